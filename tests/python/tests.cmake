# Suites for what Python reads or writes: the TensorBoard events alig-train writes, read by a
# reader independent of the writer, and the Python logger (python/alig_studio) read back by
# the C++ reader. They need python3-protobuf, python3-crcmod and python3-torch (setup.sh).
# Debian's interpreter, whose modules setup.sh installs, even when another python3 (pyenv,
# a virtual environment) comes first on PATH.
find_program(ALIG_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(ALIG_PYTHON3 python3 REQUIRED)
add_test(NAME tst_tensorboard_events
         COMMAND ${ALIG_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/test_tensorboard_events.py)
set_tests_properties(tst_tensorboard_events PROPERTIES
    ENVIRONMENT "ALIG_TRAIN=$<TARGET_FILE:alig-train>;OMP_WAIT_POLICY=PASSIVE" TIMEOUT 300)

alig_add_test(tst_python_logger ${CMAKE_CURRENT_LIST_DIR}/tst_python_logger.cpp)
target_compile_definitions(tst_python_logger PRIVATE
    ALIG_PYTHON3="${ALIG_PYTHON3}" ALIG_PYTHON_DIR="${PROJECT_BINARY_DIR}/python"
    ALIG_TESTS_PYTHON_DIR="${CMAKE_CURRENT_LIST_DIR}")
add_dependencies(tst_python_logger alig_python_module)
