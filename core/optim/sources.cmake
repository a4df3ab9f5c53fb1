# Sources of core/optim (see core/CMakeLists.txt).
target_sources(alig_optim PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/alig.cpp
    ${CMAKE_CURRENT_LIST_DIR}/dfw.cpp
    ${CMAKE_CURRENT_LIST_DIR}/dog.cpp
    ${CMAKE_CURRENT_LIST_DIR}/fused_cpu.cpp
    ${CMAKE_CURRENT_LIST_DIR}/grad_norm.cpp
    ${CMAKE_CURRENT_LIST_DIR}/l4.cpp
    ${CMAKE_CURRENT_LIST_DIR}/lr_schedule.cpp
    ${CMAKE_CURRENT_LIST_DIR}/momo.cpp
    ${CMAKE_CURRENT_LIST_DIR}/optim_support.cpp
    ${CMAKE_CURRENT_LIST_DIR}/optimizer_catalogue.cpp
    ${CMAKE_CURRENT_LIST_DIR}/polyak.cpp
    ${CMAKE_CURRENT_LIST_DIR}/prodigy.cpp
    ${CMAKE_CURRENT_LIST_DIR}/schedule_free.cpp
    ${CMAKE_CURRENT_LIST_DIR}/step_explanation.cpp
    ${CMAKE_CURRENT_LIST_DIR}/yogi.cpp)

# The fused CPU loops of ALI-G, once per instruction set; fused_cpu.cpp picks one at run time.
# They include no LibTorch header, so they skip the precompiled one (built without -mavx2).
target_sources(alig_optim PRIVATE ${CMAKE_CURRENT_LIST_DIR}/fused_cpu_kernels_baseline.cpp)
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/fused_cpu_kernels_baseline.cpp
    PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    target_sources(alig_optim PRIVATE ${CMAKE_CURRENT_LIST_DIR}/fused_cpu_kernels_avx2.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/fused_cpu_kernels_avx512.cpp)
    set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/fused_cpu_kernels_avx2.cpp
        PROPERTIES SKIP_PRECOMPILE_HEADERS ON COMPILE_OPTIONS "-mavx2;-mfma")
    set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/fused_cpu_kernels_avx512.cpp
        PROPERTIES SKIP_PRECOMPILE_HEADERS ON
                   COMPILE_OPTIONS "-mavx2;-mfma;-mavx512f;-mavx512dq;-mavx512bw;-mavx512vl")
    set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/fused_cpu.cpp
        PROPERTIES COMPILE_DEFINITIONS ALIG_FUSED_CPU_X86)
endif()
# The fused loops spread large tensors over LibTorch's threads (at::parallel_reduce).
alig_parallel_source(alig_optim ${CMAKE_CURRENT_LIST_DIR}/fused_cpu.cpp)
