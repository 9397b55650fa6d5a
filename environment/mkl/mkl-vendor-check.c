/*
 * Lifts oneMKL's CPU-vendor check, so that MKL picks its kernels from the CPU's features alone.
 *
 * libtorch's CPU build links oneMKL statically and exports its service functions; MKL asks
 * mkl_serv_intel_cpu_true() whether the CPU is Intel's and, where it is not, takes its AVX2 code path
 * even on CPUs with AVX-512 (AMD Zen 4 and 5). On the 2-core AMD EPYC (Zen 5) of docs/benchmarks.md that
 * halves the matrix products: 169 against 388 GFLOP/s for a 2048x2048 float32 product. Preloaded
 * (LD_PRELOAD), this definition comes before libtorch's own, so MKL goes on to choose by CPUID
 * features, as it does on Intel CPUs, where this changes nothing.
 *
 * environment/setup builds it into environment/mkl/target/; the launcher, the kernelspec and
 * `./merlab test` preload it (environment/mkl/preload); MERLAB_MKL_VENDOR_CHECK=keep leaves MKL as
 * shipped. Numbers differ from MKL's AVX2 path in the last bits (another summation order), so
 * metrics.json records which path ran ("runtime.matrix_kernels").
 */
int mkl_serv_intel_cpu_true(void) {
    return 1;
}
