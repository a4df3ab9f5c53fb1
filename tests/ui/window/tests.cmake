# Suites for ui/window.
alig_add_test(tst_ui_batch_dialog ${CMAKE_CURRENT_LIST_DIR}/tst_ui_batch_dialog.cpp)
alig_add_test(tst_ui_main_window ${CMAKE_CURRENT_LIST_DIR}/tst_ui_main_window.cpp)
alig_add_test(tst_ui_metrics_export ${CMAKE_CURRENT_LIST_DIR}/tst_ui_metrics_export.cpp)
alig_add_test(tst_ui_run_identity ${CMAKE_CURRENT_LIST_DIR}/tst_ui_run_identity.cpp)
# Watching folders that other processes write: alig-train and the Python logger as children.
alig_add_test(tst_ui_watch_folder ${CMAKE_CURRENT_LIST_DIR}/tst_ui_watch_folder.cpp)
target_compile_definitions(tst_ui_watch_folder PRIVATE ALIG_TRAIN_PATH="$<TARGET_FILE:alig-train>"
    ALIG_PYTHON3="${ALIG_PYTHON3}" ALIG_PYTHON_DIR="${PROJECT_BINARY_DIR}/python"
    ALIG_TESTS_PYTHON_DIR="${PROJECT_SOURCE_DIR}/tests/python")
add_dependencies(tst_ui_watch_folder alig-train alig_python_module)
