# Sources of core/distributed (see core/CMakeLists.txt): data-parallel training with
# torch.distributed's c10d. The process groups need headers that not every LibTorch ships
# (Gloo's come from libgloo-dev on Debian, NCCL's with a CUDA LibTorch); without them the
# engine still builds, and a data-parallel launch says what is missing.
target_sources(alig_distributed PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/communicator.cpp
    ${CMAKE_CURRENT_LIST_DIR}/distributed_env.cpp
    ${CMAKE_CURRENT_LIST_DIR}/local_launcher.cpp)

option(ALIG_DISTRIBUTED "Data-parallel training with c10d (Gloo on CPU, NCCL on CUDA) when found" ON)
if(ALIG_DISTRIBUTED)
    find_path(ALIG_C10D_INCLUDE torch/csrc/distributed/c10d/ProcessGroupGloo.hpp
              HINTS ${TORCH_INCLUDE_DIRS})
    find_path(ALIG_GLOO_INCLUDE gloo/algorithm.h HINTS ${TORCH_INCLUDE_DIRS})
    if(ALIG_C10D_INCLUDE AND ALIG_GLOO_INCLUDE)
        message(STATUS "Data parallel: c10d with Gloo (${ALIG_GLOO_INCLUDE})")
        # Read by alig_runtime for the version text, which the launcher prints without c10d.
        set_property(TARGET alig_distributed PROPERTY ALIG_DATA_PARALLEL ON)
        set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/communicator.cpp PROPERTIES
            COMPILE_DEFINITIONS "ALIG_HAVE_C10D;USE_C10D_GLOO"
            SKIP_PRECOMPILE_HEADERS ON)
        target_include_directories(alig_distributed PRIVATE ${ALIG_GLOO_INCLUDE})
        # LibTorch's own library holds c10d; Gloo's symbols come from libgloo (Debian) or
        # are inside libtorch_cpu (PyTorch's wheels).
        find_library(ALIG_GLOO_LIBRARY gloo HINTS ${TORCH_INSTALL_PREFIX}/lib)
        if(ALIG_GLOO_LIBRARY)
            target_link_libraries(alig_distributed PRIVATE ${ALIG_GLOO_LIBRARY})
        endif()
        # NCCL: only with a CUDA LibTorch whose headers and nccl.h are both at hand.
        find_path(ALIG_NCCL_INCLUDE nccl.h HINTS ${TORCH_INCLUDE_DIRS} ${CUDAToolkit_INCLUDE_DIRS}
                  /usr/local/cuda/include)
        if((TORCH_CUDA_LIBRARIES OR CAFFE2_USE_CUDA) AND ALIG_NCCL_INCLUDE)
            message(STATUS "Data parallel: NCCL on CUDA (${ALIG_NCCL_INCLUDE})")
            set_property(SOURCE ${CMAKE_CURRENT_LIST_DIR}/communicator.cpp APPEND PROPERTY
                COMPILE_DEFINITIONS "ALIG_HAVE_C10D_NCCL;USE_C10D_NCCL")
            target_include_directories(alig_distributed PRIVATE ${ALIG_NCCL_INCLUDE})
        endif()
    else()
        message(STATUS "Data parallel: off (no c10d/Gloo headers; on Debian: libgloo-dev)")
    endif()
endif()
