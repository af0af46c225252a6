# The steps of install.find_package_consumer (run with cmake -P; see CMakeLists.txt beside it):
# install the build tree into a scratch prefix, configure and build consumer/ against it with
# find_package(shardmq), run the result. Any failing step stops with its output.
foreach(var BUILD_DIR WORK_DIR CONSUMER_SOURCE_DIR README CXX_COMPILER GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "find_package_consumer.cmake needs -D${var}=...")
  endif()
endforeach()

set(prefix ${WORK_DIR}/prefix)
set(consumer_build ${WORK_DIR}/consumer-build)
# Start from nothing: files left by an earlier run could hide a missing install rule.
file(REMOVE_RECURSE ${WORK_DIR})

function(run_step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${name} failed (${status}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${name}: ok")
  set(step_output "${out}${err}" PARENT_SCOPE)
endfunction()

function(expect_cache_entry cache name)
  file(STRINGS ${cache} entry REGEX "^${name}:[A-Z]+=")
  if(NOT entry OR entry MATCHES "NOTFOUND$")
    message(FATAL_ERROR "the consumer's configure did not find ${name} (got '${entry}')")
  endif()
  message(STATUS "consumer found ${entry}")
endfunction()

# The README promises its examples compile; these are the programs that prove it.
file(READ ${README} readme)
foreach(example_file main.cpp stats_endpoint.cpp)
  file(READ ${CONSUMER_SOURCE_DIR}/${example_file} example)
  string(FIND "${readme}" "${example}" example_at)
  if(example_at EQUAL -1)
    message(FATAL_ERROR "README.md must contain tests/install/consumer/${example_file} verbatim (a code example)")
  endif()
endforeach()

run_step(install ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
file(GLOB_RECURSE config_files ${prefix}/*/shardmqConfig.cmake)
file(GLOB_RECURSE umbrella_headers ${prefix}/include/shardmq/core.hpp)
if(NOT config_files OR NOT umbrella_headers)
  message(FATAL_ERROR "the install lacks shardmqConfig.cmake or shardmq/core.hpp:\n${step_output}")
endif()

# Only the scratch prefix may provide shardmq: no package registry, no other prefix.
run_step(configure ${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${consumer_build} -G ${GENERATOR}
  -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH=${prefix}
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
set(cache ${consumer_build}/CMakeCache.txt)
file(STRINGS ${cache} shardmq_dir REGEX "^shardmq_DIR:")
string(FIND "${shardmq_dir}" "=${prefix}/" in_prefix)
if(in_prefix EQUAL -1)
  message(FATAL_ERROR "the consumer found shardmq outside the scratch prefix: ${shardmq_dir}")
endif()
# What shardmqConfig.cmake looks up for the consumer: Boost, hwloc (pkg-config), Asio headers,
# http_parser (for shardmq::net).
expect_cache_entry(${cache} Boost_DIR)
expect_cache_entry(${cache} pkgcfg_lib_HWLOC_hwloc)
expect_cache_entry(${cache} ASIO_INCLUDE_DIR)
expect_cache_entry(${cache} HTTP_PARSER_LIBRARY)

run_step(build ${CMAKE_COMMAND} --build ${consumer_build})
run_step(run ${consumer_build}/consumer)
if(NOT step_output MATCHES "hello from core 0")
  message(FATAL_ERROR "the consumer ran but printed:\n${step_output}")
endif()
message(STATUS "consumer printed: ${step_output}")
run_step(run ${consumer_build}/stats_endpoint_consumer)
if(NOT step_output MATCHES "stats endpoint on port [1-9]")
  message(FATAL_ERROR "the stats endpoint consumer ran but printed:\n${step_output}")
endif()
message(STATUS "stats endpoint consumer printed: ${step_output}")
