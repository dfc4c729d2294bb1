// The one translation unit nvcc compiles into lingspark.fatbin (a unity build: one nvcc call, one
// module to load with cuModuleLoadData). Every kernel is extern "C" so the host finds it by name.
#include "elementwise.cu"
#include "gemm.cu"
#include "gemv.cu"
#include "attention.cu"
#include "rope.cu"
#include "moe.cu"
#include "sampling.cu"
