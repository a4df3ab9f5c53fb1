# Suites for robustness: bad input through both front ends, kills and full disks, load,
# and the fuzzers' findings replayed. They build their own fixtures under the build tree.
set(corpus ${CMAKE_CURRENT_LIST_DIR}/bad_input_corpus.cpp)

alig_add_test(tst_bad_input ${CMAKE_CURRENT_LIST_DIR}/tst_bad_input.cpp ${corpus})
target_compile_definitions(tst_bad_input PRIVATE ALIG_TRAIN_PATH="$<TARGET_FILE:alig-train>")
add_dependencies(tst_bad_input alig-train)

alig_add_test(tst_crash_recovery ${CMAKE_CURRENT_LIST_DIR}/tst_crash_recovery.cpp)
target_compile_definitions(tst_crash_recovery PRIVATE ALIG_TRAIN_PATH="$<TARGET_FILE:alig-train>")
add_dependencies(tst_crash_recovery alig-train)

# Replays fuzz/regressions/ (and a few hand-made inputs) through the fuzz targets' code.
alig_add_test(tst_fuzz_regressions ${CMAKE_CURRENT_LIST_DIR}/tst_fuzz_regressions.cpp
              ${PROJECT_SOURCE_DIR}/fuzz/fuzz_inputs.cpp ${PROJECT_SOURCE_DIR}/fuzz/fuzz_support.cpp)
target_include_directories(tst_fuzz_regressions PRIVATE ${PROJECT_SOURCE_DIR}/fuzz)
target_compile_definitions(tst_fuzz_regressions PRIVATE ALIG_FUZZ_DIR="${PROJECT_SOURCE_DIR}/fuzz")

if(ALIG_BUILD_GUI)
    alig_add_test(tst_ui_bad_input ${CMAKE_CURRENT_LIST_DIR}/tst_ui_bad_input.cpp ${corpus})
    alig_add_test(tst_ui_stress ${CMAKE_CURRENT_LIST_DIR}/tst_ui_stress.cpp)
endif()

# Real faults: a small tmpfs (or a size limit) at each kind of file, two writers, signals,
# a closed stdout, damaged folders for --resume.
alig_add_test(tst_faults ${CMAKE_CURRENT_LIST_DIR}/tst_faults.cpp)
target_compile_definitions(tst_faults PRIVATE ALIG_TRAIN_PATH="$<TARGET_FILE:alig-train>")
add_dependencies(tst_faults alig-train)
# Its functions wait on conditions with generous timeouts; Qt's 300 s per function is too
# little for a loaded machine.
set_property(TEST tst_faults APPEND PROPERTY ENVIRONMENT "QTEST_FUNCTION_TIMEOUT=1800000")
