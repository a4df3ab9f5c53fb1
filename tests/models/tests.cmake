# Suites for core/models.
alig_add_test(tst_models ${CMAKE_CURRENT_LIST_DIR}/tst_models.cpp)
alig_add_test(tst_torchscript_model ${CMAKE_CURRENT_LIST_DIR}/tst_torchscript_model.cpp)
