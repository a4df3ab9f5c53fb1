# Sources of core/experiment (see core/CMakeLists.txt).
target_sources(alig_experiment PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/comparison.cpp
    ${CMAKE_CURRENT_LIST_DIR}/experiment_config.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_label.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_schema.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_session.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_store.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_tail.cpp
    ${CMAKE_CURRENT_LIST_DIR}/tensorboard_writer.cpp)
