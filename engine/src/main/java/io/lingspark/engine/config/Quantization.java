package io.lingspark.engine.config;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The checkpoint's {@code quantization_config}: one of two FP8 layouts, both e4m3 weights with a
 * multiplier per block of the weight (W = fp8 × scale):
 * <ul>
 *   <li>native Ling FP8 (§6.1, quant_method "fp8"): {@code <name>_scale_inv}, F32, 128×128 blocks;</li>
 *   <li>compressed-tensors "float-quantized" (§6.2, quant_method "compressed-tensors"):
 *       {@code <module>.weight_scale}, F32/BF16/F16, per strategy: channel [rows, 1] (a block is one
 *       whole row), tensor [1] (one block is the whole matrix), block [⌈rows/b0⌉, ⌈cols/b1⌉].</li>
 * </ul>
 * Every strategy is a block shape, so the loader hands backends the same block-scaled parts.
 *
 * @param method    "fp8" or "compressed-tensors"
 * @param strategy  how weight scales tile the matrix (native FP8 is always BLOCK)
 * @param blockRows rows of a scale block (BLOCK only; 0 otherwise)
 * @param blockCols columns of a scale block (BLOCK only; 0 otherwise)
 * @param targets   compressed-tensors config_groups targets ("Linear", exact module names, "re:" regexes); empty for native
 * @param ignore    compressed-tensors modules left unquantized (same matching); empty for native
 */
public record Quantization(String method, Strategy strategy, int blockRows, int blockCols, List<String> targets,
                           List<String> ignore) {
    public static final String NATIVE = "fp8";
    public static final String COMPRESSED_TENSORS = "compressed-tensors";

    public enum Strategy { BLOCK, CHANNEL, TENSOR }

    // compiled once: Ling-1T asks about ~61,000 weights against the same few ignore regexes
    private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();

    public Quantization {
        targets = List.copyOf(targets);
        ignore = List.copyOf(ignore);
    }

    /** Native Ling FP8 (§6.1) with its block size. */
    public Quantization(String method, int blockRows, int blockCols) {
        this(method, Strategy.BLOCK, blockRows, blockCols, List.of(), List.of());
    }

    public boolean isNativeFp8() {
        return NATIVE.equals(method);
    }

    public boolean isCompressedTensors() {
        return COMPRESSED_TENSORS.equals(method);
    }

    /** The scale tensor's name suffix after the weight's name: "_scale_inv" (native) or "_scale" (weight → weight_scale). */
    public String scaleSuffix() {
        return isNativeFp8() ? "_scale_inv" : "_scale";
    }

    /** Rows of a scale block for a [rows, cols] weight. */
    public int blockRows(int rows) {
        return switch (strategy) {
            case BLOCK -> blockRows;
            case CHANNEL -> 1;
            case TENSOR -> Math.max(1, rows);
        };
    }

    /** Columns of a scale block for a [rows, cols] weight. */
    public int blockCols(int cols) {
        return strategy == Strategy.BLOCK ? blockCols : Math.max(1, cols);
    }

    /**
     * Whether compressed-tensors quantizes this module (a weight's name without ".weight"): it matches
     * a target and no ignore entry. "Linear" matches every linear layer (the caller only asks about
     * linear weights); "re:" entries are Python {@code re.match}, anchored at the start only; anything
     * else is an exact module name (compressed_tensors.utils.match.match_name).
     */
    public boolean quantizes(String module) {
        if (isNativeFp8()) {
            return true;
        }
        return targets.stream().anyMatch(t -> matches(module, t)) && ignore.stream().noneMatch(t -> matches(module, t));
    }

    static boolean matches(String module, String target) {
        if ("Linear".equals(target)) {
            return true;
        }
        if (target.startsWith("re:")) {
            // lookingAt = match at the start, like re.match (not fullmatch, not search)
            return PATTERNS.computeIfAbsent(target, t -> Pattern.compile(t.substring(3))).matcher(module).lookingAt();
        }
        return target.equals(module);
    }
}
