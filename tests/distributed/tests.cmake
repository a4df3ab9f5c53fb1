# Suites for core/distributed: alig-train as several processes on loopback (Gloo).
alig_add_test(tst_data_parallel ${CMAKE_CURRENT_LIST_DIR}/tst_data_parallel.cpp)
target_compile_definitions(tst_data_parallel PRIVATE ALIG_TRAIN_PATH="$<TARGET_FILE:alig-train>")
add_dependencies(tst_data_parallel alig-train)
