{
  "targets": [
    {
      "target_name": "async_output_cuda",
      "sources": [
        "src/addon.cc",
        "src/arguments.cc",
        "src/device.cc",
        "src/driver.cc",
        "src/host-funcs.cc",
        "src/kernels-ptx.cc",
        "src/memory.cc",
        "src/pool.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-ldl", "-lpthread"],
      "conditions": [
        ["OS!='linux'", {"type": "none"}]
      ]
    }
  ]
}
