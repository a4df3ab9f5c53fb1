# Suites for ui/plots.
alig_add_test(tst_ui_plots ${CMAKE_CURRENT_LIST_DIR}/tst_ui_plots.cpp)
alig_add_test(tst_ui_plot_model ${CMAKE_CURRENT_LIST_DIR}/tst_ui_plot_model.cpp)
