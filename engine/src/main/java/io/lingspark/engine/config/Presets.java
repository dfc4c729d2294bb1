package io.lingspark.engine.config;

import java.util.List;

/**
 * Published Ling 2.0 shapes (§2.1 table), for benchmarks with random weights and parameter-count
 * checks, plus small shapes used by tests and the demo.
 */
public final class Presets {
    private Presets() {
    }

    public static final List<String> NAMES = List.of("ling-mini-2.0", "ling-flash-2.0", "ling-1t", "ling-2.5-1t", "bench-small",
        "bench-small-fp8", "bench-small-v25", "tiny");

    public static LingConfig.Builder builder(String name) {
        LingConfig.Builder b = new LingConfig.Builder();
        b.vocabSize = 157184;
        b.numExperts = 256;
        b.numExpertsPerTok = 8;
        b.nGroup = 8;
        b.topkGroup = 4;
        b.routedScalingFactor = 2.5;
        b.headDim = 128;
        b.ropeDim = 64;
        b.eosTokenIds = new int[] {156892, 156895};
        switch (name) {
            case "ling-mini-2.0" -> {
                b.hiddenSize = 2048; b.numLayers = 20; b.numHeads = 16; b.numKvHeads = 4;
                b.intermediateSize = 5120; b.moeIntermediateSize = 512; b.firstKDenseReplace = 1;
            }
            case "ling-flash-2.0" -> {
                b.hiddenSize = 4096; b.numLayers = 32; b.numHeads = 32; b.numKvHeads = 4;
                b.intermediateSize = 9216; b.moeIntermediateSize = 1024; b.firstKDenseReplace = 1;
            }
            case "ling-1t" -> {
                b.hiddenSize = 8192; b.numLayers = 80; b.numHeads = 64; b.numKvHeads = 8;
                b.intermediateSize = 18432; b.moeIntermediateSize = 2048; b.firstKDenseReplace = 4;
            }
            case "ling-2.5-1t" -> { // Ling/Ring 2.5 1T (§5.1): the 1T shape with 1 MLA in every 8 layers
                b.hiddenSize = 8192; b.numLayers = 80; b.numHeads = 64; b.numKvHeads = 64;
                b.intermediateSize = 18432; b.moeIntermediateSize = 2048; b.firstKDenseReplace = 4;
                b.family = LingConfig.Family.V2_5; b.layerGroupSize = 8; b.groupNormSize = 8;
                b.kvLoraRank = 512; b.qLoraRank = 1536; b.qkNopeHeadDim = 128; b.qkRopeHeadDim = 64; b.vHeadDim = 128;
                b.ropeInterleave = true; b.maxPositionEmbeddings = 131072;
            }
            case "bench-small", "bench-small-fp8" -> { // the CPU benchmark shape: hidden 1024, 8 layers, 64 experts top-4
                b.vocabSize = 32768; b.hiddenSize = 1024; b.numLayers = 8; b.numHeads = 8; b.numKvHeads = 2;
                b.intermediateSize = 2816; b.moeIntermediateSize = 512; b.firstKDenseReplace = 1;
                b.numExperts = 64; b.numExpertsPerTok = 4; b.nGroup = 8; b.topkGroup = 4;
                b.maxPositionEmbeddings = 4096;
            }
            case "bench-small-v25" -> { // bench-small as a Ling 2.5 hybrid: groups of 4 (layers 3 and 7 MLA)
                b.vocabSize = 32768; b.hiddenSize = 1024; b.numLayers = 8; b.numHeads = 8; b.numKvHeads = 8;
                b.intermediateSize = 2816; b.moeIntermediateSize = 512; b.firstKDenseReplace = 1;
                b.numExperts = 64; b.numExpertsPerTok = 4; b.nGroup = 8; b.topkGroup = 4;
                b.maxPositionEmbeddings = 4096;
                b.family = LingConfig.Family.V2_5; b.layerGroupSize = 4; b.groupNormSize = 4;
                // MLA dims: the BailingMoeV2_5Config class defaults (q_lora_rank null → q_proj).
                b.kvLoraRank = 512; b.qLoraRank = 0; b.qkNopeHeadDim = 128; b.qkRopeHeadDim = 64; b.vHeadDim = 128;
                b.ropeInterleave = true;
            }
            case "tiny" -> { // the fixtures' shape: what the demo and fast tests run
                b.vocabSize = 1024; b.hiddenSize = 64; b.numLayers = 4; b.numHeads = 4; b.numKvHeads = 2;
                b.headDim = 16; b.ropeDim = 8; b.intermediateSize = 160; b.moeIntermediateSize = 32;
                b.numExperts = 16; b.numExpertsPerTok = 4; b.nGroup = 4; b.topkGroup = 2;
                b.maxPositionEmbeddings = 2048; b.eosTokenIds = new int[] {901, 904}; b.padTokenId = 901;
            }
            default -> throw new IllegalArgumentException("unknown preset '" + name + "', known: " + NAMES);
        }
        if (name.equals("bench-small-fp8")) {
            // bench-small as a compressed-tensors FP8 checkpoint (block 128×128, the usual FP8 recipe):
            // linears e4m3, lm_head and routers kept as stored
            b.quantization = new Quantization(Quantization.COMPRESSED_TENSORS, Quantization.Strategy.BLOCK, 128, 128,
                List.of("Linear"), List.of("lm_head", "re:.*mlp[.]gate$"));
        }
        return b;
    }

    public static LingConfig get(String name) {
        return builder(name).build();
    }
}
