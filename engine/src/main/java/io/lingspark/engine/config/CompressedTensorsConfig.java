package io.lingspark.engine.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.config.Quantization.Strategy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a compressed-tensors {@code quantization_config} (§6.2) and accepts exactly what the engine
 * runs: format "float-quantized", weights {num_bits 8, type "float", symmetric, static, strategy
 * channel | tensor | block}, dynamic (or no) input activations. Everything else is refused with a
 * {@link ModelLoadException} naming the field, because a scheme read wrongly gives fluent garbage,
 * not an error: static activation scales, other bit widths, int types, group strategies, zero points,
 * packed formats, KV-cache or output quantization.
 *
 * <p>Field names and meanings follow the compressed-tensors library (QuantizationConfig,
 * QuantizationScheme, QuantizationArgs, utils.match).
 */
public final class CompressedTensorsConfig {
    static final String FLOAT_QUANTIZED = "float-quantized";

    private CompressedTensorsConfig() {
    }

    static Quantization parse(JsonNode q) {
        String format = q.path("format").asText("");
        if (!FLOAT_QUANTIZED.equals(format)) {
            throw refuse("format '" + format + "' (only float-quantized FP8 is supported; pack-quantized, int-quantized, "
                    + "naive-quantized, nvfp4 and sparse formats are not)");
        }
        JsonNode sparsity = q.get("sparsity_config");
        if (sparsity != null && !sparsity.isNull() && !sparsity.isEmpty()
                && !"dense".equals(sparsity.path("format").asText("dense"))) {
            throw refuse("sparsity_config " + sparsity + " (sparse weights are not supported)");
        }
        JsonNode kv = q.get("kv_cache_scheme");
        if (kv != null && !kv.isNull()) {
            throw refuse("kv_cache_scheme " + kv + " (a quantized KV cache with static k/v scales is not supported)");
        }
        JsonNode groups = q.get("config_groups");
        if (groups == null || !groups.isObject() || groups.isEmpty()) {
            throw refuse("config_groups missing or empty");
        }
        Set<String> targets = new LinkedHashSet<>();
        Quantization first = null;
        for (var it = groups.fields(); it.hasNext(); ) {
            var e = it.next();
            Quantization g = group(e.getKey(), e.getValue());
            if (first != null && (first.strategy() != g.strategy() || first.blockRows() != g.blockRows()
                    || first.blockCols() != g.blockCols())) {
                throw refuse("config_groups." + e.getKey() + " uses strategy " + describe(g) + " but another group uses "
                        + describe(first) + " (one weight scheme per checkpoint is supported)");
            }
            first = first == null ? g : first;
            targets.addAll(g.targets());
        }
        List<String> ignore = strings(q.get("ignore"), "ignore");
        return new Quantization(Quantization.COMPRESSED_TENSORS, first.strategy(), first.blockRows(), first.blockCols(),
            new ArrayList<>(targets), ignore);
    }

    private static Quantization group(String name, JsonNode g) {
        String at = "config_groups." + name;
        String gf = g.path("format").asText(FLOAT_QUANTIZED);
        if (!g.path("format").isNull() && !FLOAT_QUANTIZED.equals(gf)) {
            throw refuse(at + ".format '" + gf + "' (only float-quantized is supported)");
        }
        List<String> targets = strings(g.get("targets"), at + ".targets");
        if (targets.isEmpty()) {
            throw refuse(at + ".targets is empty");
        }
        JsonNode out = g.get("output_activations");
        if (out != null && !out.isNull()) {
            throw refuse(at + ".output_activations " + out + " (output quantization is not supported)");
        }
        JsonNode in = g.get("input_activations");
        if (in != null && !in.isNull()) {
            JsonNode dyn = in.get("dynamic");
            if (dyn == null || !dyn.isBoolean() || !dyn.asBoolean()) {
                throw refuse(at + ".input_activations.dynamic " + dyn + ": static activation scales (input_scale) are not "
                        + "supported; the engine runs dynamic or unquantized activations only");
            }
            args(in, at + ".input_activations");
        }
        JsonNode w = g.get("weights");
        if (w == null || w.isNull()) {
            throw refuse(at + ".weights is null (activation-only quantization is not supported)");
        }
        String wat = at + ".weights";
        args(w, wat);
        if (w.path("dynamic").asBoolean(false)) {
            throw refuse(wat + ".dynamic true (weights need stored scales)");
        }
        String strategy = w.path("strategy").asText("tensor");
        return switch (strategy) {
            case "channel" -> new Quantization(Quantization.COMPRESSED_TENSORS, Strategy.CHANNEL, 0, 0, targets, List.of());
            case "tensor" -> new Quantization(Quantization.COMPRESSED_TENSORS, Strategy.TENSOR, 0, 0, targets, List.of());
            case "block" -> {
                JsonNode bs = w.get("block_structure");
                boolean pair = bs != null && bs.isArray() && bs.size() == 2 && bs.get(0).canConvertToInt() && bs.get(1).canConvertToInt();
                int br = pair ? bs.get(0).asInt() : 0;
                int bc = pair ? bs.get(1).asInt() : 0;
                if (!pair || br <= 0 || bc <= 0 || br > 65536 || bc > 65536) {
                    throw refuse(wat + ".block_structure must be two integers in [1, 65536], got " + bs);
                }
                yield new Quantization(Quantization.COMPRESSED_TENSORS, Strategy.BLOCK, br, bc, targets, List.of());
            }
            default -> throw refuse(wat + ".strategy '" + strategy + "' (supported: channel, tensor, block; group, "
                    + "tensor_group, token and attn_head are not)");
        };
    }

    /** num_bits, type, symmetric: the FP8 e4m3 symmetric scheme, nothing else. */
    private static void args(JsonNode a, String at) {
        JsonNode bits = a.get("num_bits");
        if (bits == null || !bits.canConvertToInt() || bits.asInt() != 8) {
            throw refuse(at + ".num_bits " + bits + " (only 8-bit FP8 is supported)");
        }
        String type = a.path("type").asText("int");
        if (!"float".equals(type)) {
            throw refuse(at + ".type '" + type + "' (only float, i.e. FP8 e4m3, is supported; int quantization is not)");
        }
        if (!a.path("symmetric").asBoolean(true)) {
            throw refuse(at + ".symmetric false (asymmetric quantization with zero points is not supported)");
        }
    }

    private static List<String> strings(JsonNode n, String at) {
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            throw refuse(at + " must be a list of strings, got " + n);
        }
        for (JsonNode s : n) {
            if (!s.isTextual()) {
                throw refuse(at + " must be a list of strings, got " + n);
            }
            String t = s.asText();
            if (t.startsWith("re:")) {
                try {
                    Pattern.compile(t.substring(3));
                } catch (PatternSyntaxException e) {
                    throw refuse(at + " entry '" + t + "' is not a valid regex: " + e.getDescription());
                }
            } else if (!"Linear".equals(t) && !t.contains(".") && !"lm_head".equals(t)) {
                // a class name other than Linear would need the module tree; refusing beats guessing
                throw refuse(at + " entry '" + t + "' (supported: Linear, exact module names, re: regexes)");
            }
            out.add(t);
        }
        return out;
    }

    /**
     * q as the quantization_config llm-compressor writes for an FP8 dynamic scheme: one group
     * "group_0" (weights static FP8 per q's strategy, input activations dynamic per-token FP8), its
     * targets and the ignore list.
     */
    public static void write(Quantization q, ObjectNode o) {
        ObjectNode g = o.putObject("config_groups").putObject("group_0");
        ObjectNode in = g.putObject("input_activations");
        in.put("num_bits", 8).put("type", "float").put("symmetric", true).put("dynamic", true).put("strategy", "token");
        in.putNull("block_structure").putNull("group_size").putNull("actorder").putNull("observer");
        g.putNull("output_activations");
        var targets = g.putArray("targets");
        q.targets().forEach(targets::add);
        ObjectNode w = g.putObject("weights");
        w.put("num_bits", 8).put("type", "float").put("symmetric", true).put("dynamic", false)
            .put("strategy", q.strategy().name().toLowerCase(Locale.ROOT));
        if (q.strategy() == Strategy.BLOCK) {
            w.putArray("block_structure").add(q.blockRows()).add(q.blockCols());
        } else {
            w.putNull("block_structure");
        }
        w.putNull("group_size").putNull("actorder").put("observer", "minmax");
        g.put("format", FLOAT_QUANTIZED);
        o.put("format", FLOAT_QUANTIZED);
        o.put("global_compression_ratio", (String) null);
        var ignore = o.putArray("ignore");
        q.ignore().forEach(ignore::add);
        o.putNull("kv_cache_scheme");
        o.put("quant_method", Quantization.COMPRESSED_TENSORS);
        o.put("quantization_status", "compressed");
        o.putNull("sparsity_config");
        o.putNull("transform_config");
        o.put("version", "0.12.2");
    }

    private static String describe(Quantization g) {
        return g.strategy().name().toLowerCase(Locale.ROOT) + (g.strategy() == Strategy.BLOCK ? " " + g.blockRows() + "x" + g.blockCols() : "");
    }

    private static ModelLoadException refuse(String what) {
        return new ModelLoadException("quantization_config (compressed-tensors): " + what);
    }
}
