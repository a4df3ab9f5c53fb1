# Suites for core/util.
alig_add_test(tst_atomic_file ${CMAKE_CURRENT_LIST_DIR}/tst_atomic_file.cpp)
alig_add_test(tst_crc32c ${CMAKE_CURRENT_LIST_DIR}/tst_crc32c.cpp)
