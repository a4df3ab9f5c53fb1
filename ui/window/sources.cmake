# Sources of ui/window (see ui/CMakeLists.txt).
target_sources(alig_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/batch_dialog.h
    ${CMAKE_CURRENT_LIST_DIR}/batch_dialog.cpp
    ${CMAKE_CURRENT_LIST_DIR}/batch_panel.h
    ${CMAKE_CURRENT_LIST_DIR}/batch_panel.cpp
    ${CMAKE_CURRENT_LIST_DIR}/metrics_export.h
    ${CMAKE_CURRENT_LIST_DIR}/metrics_export.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_library.h
    ${CMAKE_CURRENT_LIST_DIR}/run_library.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_watcher.h
    ${CMAKE_CURRENT_LIST_DIR}/run_watcher.cpp
    ${CMAKE_CURRENT_LIST_DIR}/runs_table.h
    ${CMAKE_CURRENT_LIST_DIR}/runs_table.cpp)
target_sources(alig_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/main_window.h
    ${CMAKE_CURRENT_LIST_DIR}/main_window.cpp)
