package io.lingspark.engine.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A validated Ling model configuration (ling-architecture.md §2.1 for Ling 2.0, §5.1 for 2.5).
 * Field names follow config.json; defaults are those of {@code BailingMoeV2Config}, used when a key
 * is absent. Build one with {@link #fromDirectory}, {@link #fromJson} or {@link Builder}.
 */
public final class LingConfig {
    public static final String ARCH_V2 = "BailingMoeV2ForCausalLM";
    public static final String ARCH_V25 = "BailingMoeV2_5ForCausalLM";
    /** The largest vocab_size a config may declare (tokenizer ids are bounded by it too). */
    public static final int MAX_VOCAB_SIZE = ConfigValidator.MAX_VOCAB;

    /** The two families: Ling 2.0 (GQA everywhere) and 2.5 (hybrid MLA + Lightning linear attention). */
    public enum Family { V2, V2_5 }

    /** Which attention a layer runs. */
    public enum LayerKind { GQA, MLA, LINEAR }

    public final Family family;
    public final String architecture;
    public final int vocabSize;          // V: embedding / lm_head rows (padded beyond the tokenizer)
    public final int hiddenSize;         // H
    public final int intermediateSize;   // I: dense SwiGLU width
    public final int numLayers;          // L
    public final int numHeads;           // nh
    public final int numKvHeads;         // nkv
    public final int headDim;            // d
    public final int ropeDim;            // rotary width, note R
    public final double ropeTheta;
    public final RopeScaling ropeScaling; // null without YaRN
    public final double rmsNormEps;
    public final int maxPositionEmbeddings;
    public final int firstKDenseReplace; // F: layers [0, F) are dense
    public final int numExperts;         // E
    public final int numExpertsPerTok;   // k
    public final int nGroup;
    public final int topkGroup;
    public final int moeIntermediateSize; // m
    public final int numSharedExperts;
    public final double routedScalingFactor;
    public final boolean useQkNorm;
    public final boolean tieWordEmbeddings;
    public final int numNextnPredictLayers;
    public final Quantization quantization; // null when unquantized
    public final int[] eosTokenIds;          // generation_config.json list, else config.json
    public final int padTokenId;
    // Ling 2.5 (hybrid) fields; zero/false for 2.0.
    public final int layerGroupSize;
    public final int groupNormSize;
    public final boolean linearSilu;
    public final int kvLoraRank;
    public final int qLoraRank;          // 0 when q_lora_rank is null (plain q_proj)
    public final int qkNopeHeadDim;
    public final int qkRopeHeadDim;
    public final int vHeadDim;
    public final boolean ropeInterleave;

    private LingConfig(Builder b) {
        family = b.family;
        architecture = b.family == Family.V2 ? ARCH_V2 : ARCH_V25;
        vocabSize = b.vocabSize;
        hiddenSize = b.hiddenSize;
        intermediateSize = b.intermediateSize;
        numLayers = b.numLayers;
        numHeads = b.numHeads;
        numKvHeads = b.numKvHeads;
        headDim = b.headDim;
        ropeDim = b.ropeDim > 0 ? b.ropeDim : b.headDim;
        ropeTheta = b.ropeTheta;
        ropeScaling = b.ropeScaling;
        rmsNormEps = b.rmsNormEps;
        maxPositionEmbeddings = b.maxPositionEmbeddings;
        firstKDenseReplace = b.firstKDenseReplace;
        numExperts = b.numExperts;
        numExpertsPerTok = b.numExpertsPerTok;
        nGroup = b.nGroup;
        topkGroup = b.topkGroup;
        moeIntermediateSize = b.moeIntermediateSize;
        numSharedExperts = b.numSharedExperts;
        routedScalingFactor = b.routedScalingFactor;
        useQkNorm = b.useQkNorm;
        tieWordEmbeddings = b.tieWordEmbeddings;
        numNextnPredictLayers = b.numNextnPredictLayers;
        quantization = b.quantization;
        eosTokenIds = b.eosTokenIds.clone();
        padTokenId = b.padTokenId;
        layerGroupSize = b.layerGroupSize;
        groupNormSize = b.groupNormSize;
        linearSilu = b.linearSilu;
        kvLoraRank = b.kvLoraRank;
        qLoraRank = b.qLoraRank;
        qkNopeHeadDim = b.qkNopeHeadDim;
        qkRopeHeadDim = b.qkRopeHeadDim;
        vHeadDim = b.vHeadDim;
        ropeInterleave = b.ropeInterleave;
        ConfigValidator.validate(this);
    }

    /** Shared-expert width: HF uses moe_intermediate_size × num_shared_experts (§2.2). */
    public int sharedExpertWidth() {
        return moeIntermediateSize * numSharedExperts;
    }

    /** Fused QKV output width (nh + 2·nkv)·d of a GQA layer. */
    public int qkvWidth() {
        return (numHeads + 2 * numKvHeads) * headDim;
    }

    public boolean isMoeLayer(int layer) {
        return layer >= firstKDenseReplace;
    }

    /**
     * The attention kind of layer i. Ling 2.0: always GQA. Ling 2.5: MLA when (i+1) mod G = 0 or
     * when i lies in the tail that does not fill a whole group; Lightning linear attention otherwise.
     */
    public LayerKind layerKind(int layer) {
        if (family == Family.V2) {
            return LayerKind.GQA;
        }
        int tailStart = numLayers - numLayers % layerGroupSize;
        return (layer + 1) % layerGroupSize == 0 || layer >= tailStart ? LayerKind.MLA : LayerKind.LINEAR;
    }

    /** MLA query/key width per head: nope + rope (the softmax scale is its inverse square root). */
    public int qkHeadDim() {
        return qkNopeHeadDim + qkRopeHeadDim;
    }

    /** How many layers run the given attention kind. */
    public int layerCount(LayerKind kind) {
        int n = 0;
        for (int l = 0; l < numLayers; l++) {
            n += layerKind(l) == kind ? 1 : 0;
        }
        return n;
    }

    /** Index of layer l among the layers of its own kind (its slot in a hybrid cache). */
    public int slotOf(int layer) {
        int n = 0;
        for (int l = 0; l < layer; l++) {
            n += layerKind(l) == layerKind(layer) ? 1 : 0;
        }
        return n;
    }

    public boolean isEos(int token) {
        for (int e : eosTokenIds) {
            if (e == token) {
                return true;
            }
        }
        return false;
    }

    /** Reads {@code config.json} (+ {@code generation_config.json} when present) of a checkpoint directory. */
    public static LingConfig fromDirectory(Path dir) {
        Path cfg = dir.resolve("config.json");
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException("model directory not found: " + dir);
        }
        if (!Files.isRegularFile(cfg)) {
            throw new ModelLoadException("config.json missing in model directory " + dir);
        }
        JsonNode config = ModelFiles.readObject(cfg, ModelFiles.SMALL_JSON);
        Path gen = dir.resolve("generation_config.json");
        JsonNode genConfig = Files.isRegularFile(gen) ? ModelFiles.readObject(gen, ModelFiles.SMALL_JSON) : null;
        return fromJson(config, genConfig);
    }

    public static LingConfig fromJson(JsonNode config, JsonNode generationConfig) {
        return ConfigParser.parse(config, generationConfig).build();
    }

    /** config.json for this configuration, in the field order of the Ling converter template. */
    public ObjectNode toJson() {
        return ConfigParser.toJson(this);
    }

    /** generation_config.json holding the eos list. */
    public ObjectNode generationConfigJson() {
        ObjectNode g = new ObjectMapper().createObjectNode();
        ArrayNode eos = g.putArray("eos_token_id");
        for (int e : eosTokenIds) {
            eos.add(e);
        }
        g.put("pad_token_id", padTokenId);
        return g;
    }

    public Builder toBuilder() {
        return ConfigParser.toBuilder(this);
    }

    @Override
    public String toString() {
        return architecture + "{V=" + vocabSize + ", H=" + hiddenSize + ", L=" + numLayers + ", heads=" + numHeads
                + "/" + numKvHeads + "x" + headDim + ", rope=" + ropeDim + ", E=" + numExperts + " top" + numExpertsPerTok
                + ", m=" + moeIntermediateSize + ", F=" + firstKDenseReplace + (quantization != null ? ", " + quantization.method() : "")
                + (ropeScaling != null ? ", yarn x" + ropeScaling.factor() : "") + "}";
    }

    /** Mutable builder; defaults are BailingMoeV2Config's. */
    public static final class Builder {
        public Family family = Family.V2;
        public int vocabSize = 157184;
        public int hiddenSize = 2048;
        public int intermediateSize = 5120;
        public int numLayers = 20;
        public int numHeads = 16;
        public int numKvHeads = 4;
        public int headDim = 128;
        public int ropeDim = 0; // 0: head_dim
        public double ropeTheta = 600000;
        public RopeScaling ropeScaling;
        public double rmsNormEps = 1e-6;
        public int maxPositionEmbeddings = 32768;
        public int firstKDenseReplace = 1;
        public int numExperts = 256;
        public int numExpertsPerTok = 8;
        public int nGroup = 8;
        public int topkGroup = 4;
        public int moeIntermediateSize = 512;
        public int numSharedExperts = 1;
        public double routedScalingFactor = 1.0;
        public boolean useQkNorm = true;
        public boolean tieWordEmbeddings;
        public int numNextnPredictLayers;
        public Quantization quantization;
        public int[] eosTokenIds = {156892};
        public int padTokenId = 156892;
        public int layerGroupSize;
        public int groupNormSize;
        public boolean linearSilu;
        public int kvLoraRank;
        public int qLoraRank;
        public int qkNopeHeadDim;
        public int qkRopeHeadDim;
        public int vHeadDim;
        public boolean ropeInterleave;
        final List<String> problems = new ArrayList<>();

        public LingConfig build() {
            if (!problems.isEmpty()) {
                throw new ModelLoadException("invalid config.json: " + String.join("; ", problems));
            }
            return new LingConfig(this);
        }
    }
}
