{
  "targets": [
    {
      "target_name": "hgc_blas",
      "sources": ["hgc_blas.c", "hgc_gemm.c", "hgc_pool.c", "hgc_attention.c", "hgc_probe.c", "hgc_conv.c"],
      "cflags": ["-O3", "-std=c11", "-fno-trapping-math", "-pthread", "-Wall", "-Wextra"],
      "libraries": ["-ldl", "-lm", "-lpthread"],
      "defines": ["NAPI_VERSION=8"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=c11", "-fno-trapping-math"] }
    }
  ]
}
