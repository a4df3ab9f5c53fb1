# Sources of core/optim (see core/CMakeLists.txt).
target_sources(alig_core PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/alig.cpp
    ${CMAKE_CURRENT_LIST_DIR}/dfw.cpp
    ${CMAKE_CURRENT_LIST_DIR}/fused_cpu.cpp
    ${CMAKE_CURRENT_LIST_DIR}/grad_norm.cpp
    ${CMAKE_CURRENT_LIST_DIR}/l4.cpp
    ${CMAKE_CURRENT_LIST_DIR}/lr_schedule.cpp
    ${CMAKE_CURRENT_LIST_DIR}/optim_support.cpp
    ${CMAKE_CURRENT_LIST_DIR}/optimizer_factory.cpp
    ${CMAKE_CURRENT_LIST_DIR}/polyak.cpp
    ${CMAKE_CURRENT_LIST_DIR}/sps.cpp
    ${CMAKE_CURRENT_LIST_DIR}/yogi.cpp)
