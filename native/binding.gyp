{
  "targets": [
    {
      "target_name": "hgc_blas",
      "sources": ["hgc_blas.c"],
      "cflags": ["-O3", "-std=c11", "-fno-trapping-math", "-Wall", "-Wextra"],
      "libraries": ["-ldl", "-lm"],
      "defines": ["NAPI_VERSION=8"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=c11", "-fno-trapping-math"] }
    }
  ]
}
