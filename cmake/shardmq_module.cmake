# shardmq_module(<name> SOURCES ...): the library shardmq::<name> with public headers in
# include/shardmq/<name>/, -Werror, installed and exported, and every header checked alone.
function(shardmq_module name)
  cmake_parse_arguments(arg "" "" "SOURCES" ${ARGN})
  set(target shardmq_${name})
  add_library(${target} ${arg_SOURCES})
  add_library(shardmq::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME ${target})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  shardmq_target_warnings(${target})
  install(TARGETS ${target} EXPORT shardmqTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY include/shardmq DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  shardmq_header_check(${target} ${CMAKE_CURRENT_SOURCE_DIR}/include)
endfunction()

# shardmq_gtest(<binary> PREFIX <module> SOURCES ... LIBRARIES ...): a GoogleTest binary whose
# tests ctest lists as <module>.<suite>.<test>, each bounded by a 60 s timeout.
function(shardmq_gtest binary)
  cmake_parse_arguments(arg "" "PREFIX" "SOURCES;LIBRARIES" ${ARGN})
  add_executable(${binary} ${arg_SOURCES})
  target_link_libraries(${binary} PRIVATE ${arg_LIBRARIES} GTest::gtest_main)
  shardmq_target_warnings(${binary})
  gtest_discover_tests(${binary} TEST_PREFIX "${arg_PREFIX}." PROPERTIES TIMEOUT 60 DISCOVERY_TIMEOUT 30)
endfunction()
