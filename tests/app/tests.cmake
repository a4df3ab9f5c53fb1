# End-to-end suites for the programs in app/.
alig_add_test(tst_alig_train ${CMAKE_CURRENT_LIST_DIR}/tst_alig_train.cpp)
target_compile_definitions(tst_alig_train PRIVATE ALIG_TRAIN_PATH="$<TARGET_FILE:alig-train>")
add_dependencies(tst_alig_train alig-train)
if(ALIG_BUILD_GUI)
    # sweep draws its plot with alig-studio when it is built.
    target_compile_definitions(tst_alig_train PRIVATE ALIG_STUDIO_PATH="$<TARGET_FILE:alig-studio>")
    add_dependencies(tst_alig_train alig-studio)
endif()
