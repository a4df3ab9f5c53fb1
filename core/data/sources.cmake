# Sources of core/data (see core/CMakeLists.txt).
target_sources(alig_data PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/cifar_reader.cpp
    ${CMAKE_CURRENT_LIST_DIR}/csv_reader.cpp
    ${CMAKE_CURRENT_LIST_DIR}/dataset.cpp
    ${CMAKE_CURRENT_LIST_DIR}/dataset_config.cpp
    ${CMAKE_CURRENT_LIST_DIR}/idx_reader.cpp
    ${CMAKE_CURRENT_LIST_DIR}/svhn_reader.cpp
    ${CMAKE_CURRENT_LIST_DIR}/synthetic.cpp)
