# Suites for core/landscape.
alig_add_test(tst_landscape ${CMAKE_CURRENT_LIST_DIR}/tst_landscape.cpp)
