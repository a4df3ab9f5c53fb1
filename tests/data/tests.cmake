# Suites for core/data. Each writes its own fixtures under the build tree; tst_dataset also
# reads the installed Fashion-MNIST (/usr/share/datasets/fashion-mnist).
alig_add_test(tst_idx_reader ${CMAKE_CURRENT_LIST_DIR}/tst_idx_reader.cpp)
alig_add_test(tst_cifar_reader ${CMAKE_CURRENT_LIST_DIR}/tst_cifar_reader.cpp)
alig_add_test(tst_svhn_reader ${CMAKE_CURRENT_LIST_DIR}/tst_svhn_reader.cpp)
target_link_libraries(tst_svhn_reader PRIVATE ZLIB::ZLIB) # the test writes compressed MAT-files
alig_add_test(tst_csv_reader ${CMAKE_CURRENT_LIST_DIR}/tst_csv_reader.cpp)
alig_add_test(tst_synthetic_data ${CMAKE_CURRENT_LIST_DIR}/tst_synthetic_data.cpp)
alig_add_test(tst_dataset ${CMAKE_CURRENT_LIST_DIR}/tst_dataset.cpp)
