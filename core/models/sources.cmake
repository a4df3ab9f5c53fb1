# Sources of core/models (see core/CMakeLists.txt).
target_sources(alig_models PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/cifar_resnet.cpp
    ${CMAKE_CURRENT_LIST_DIR}/conv_init.cpp
    ${CMAKE_CURRENT_LIST_DIR}/mlp.cpp
    ${CMAKE_CURRENT_LIST_DIR}/model.cpp
    ${CMAKE_CURRENT_LIST_DIR}/model_config.cpp
    ${CMAKE_CURRENT_LIST_DIR}/module_model.cpp
    ${CMAKE_CURRENT_LIST_DIR}/named_tensors.cpp
    ${CMAKE_CURRENT_LIST_DIR}/script_model.cpp
    ${CMAKE_CURRENT_LIST_DIR}/small_cnn.cpp
    ${CMAKE_CURRENT_LIST_DIR}/wide_resnet.cpp)
