# Sources of ui/plots (see ui/CMakeLists.txt). Headers are listed so AUTOMOC sees them.
target_sources(alig_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/sweep_plot.h
    ${CMAKE_CURRENT_LIST_DIR}/sweep_plot.cpp
    ${CMAKE_CURRENT_LIST_DIR}/accuracy_plot.h
    ${CMAKE_CURRENT_LIST_DIR}/accuracy_plot.cpp
    ${CMAKE_CURRENT_LIST_DIR}/debiased_ema.h
    ${CMAKE_CURRENT_LIST_DIR}/grad_norm_plot.h
    ${CMAKE_CURRENT_LIST_DIR}/grad_norm_plot.cpp
    ${CMAKE_CURRENT_LIST_DIR}/interpolation_plot.h
    ${CMAKE_CURRENT_LIST_DIR}/interpolation_plot.cpp
    ${CMAKE_CURRENT_LIST_DIR}/loss_plot.h
    ${CMAKE_CURRENT_LIST_DIR}/loss_plot.cpp
    ${CMAKE_CURRENT_LIST_DIR}/metric_plot.h
    ${CMAKE_CURRENT_LIST_DIR}/metric_plot.cpp
    ${CMAKE_CURRENT_LIST_DIR}/plot_model.h
    ${CMAKE_CURRENT_LIST_DIR}/plot_model.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_legend.h
    ${CMAKE_CURRENT_LIST_DIR}/run_legend.cpp
    ${CMAKE_CURRENT_LIST_DIR}/plot_settings.h
    ${CMAKE_CURRENT_LIST_DIR}/plot_settings.cpp
    ${CMAKE_CURRENT_LIST_DIR}/plots_view.h
    ${CMAKE_CURRENT_LIST_DIR}/plots_view.cpp
    ${CMAKE_CURRENT_LIST_DIR}/presentation.h
    ${CMAKE_CURRENT_LIST_DIR}/presentation.cpp
    ${CMAKE_CURRENT_LIST_DIR}/step_size_plot.h
    ${CMAKE_CURRENT_LIST_DIR}/step_size_plot.cpp)
