# Sources of ui/run (see ui/CMakeLists.txt).
target_sources(alig_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/run.h
    ${CMAKE_CURRENT_LIST_DIR}/run.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_controller.h
    ${CMAKE_CURRENT_LIST_DIR}/run_controller.cpp
    ${CMAKE_CURRENT_LIST_DIR}/refresh_pacer.h
    ${CMAKE_CURRENT_LIST_DIR}/refresh_pacer.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_swatch.h
    ${CMAKE_CURRENT_LIST_DIR}/run_swatch.cpp)
