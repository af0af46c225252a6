# ctest zmq.fuzz_decoder_libfuzzer: a short, fixed-seed libFuzzer run of the ZMTP decoder target.
# It works on a fresh copy of the corpus in the build directory, so new inputs and crash
# artifacts land there, never in the source tree.
# Usage: cmake -DFUZZER=<binary> -DCORPUS=<dir> -DWORK_DIR=<dir> -P run_libfuzzer.cmake
foreach(var FUZZER CORPUS WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_libfuzzer.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
file(COPY ${CORPUS}/ DESTINATION ${WORK_DIR}/corpus)
execute_process(
  COMMAND ${FUZZER} -runs=20000 -seed=1 -max_len=4096 -timeout=10 -print_final_stats=1
    -artifact_prefix=${WORK_DIR}/ ${WORK_DIR}/corpus
  WORKING_DIRECTORY ${WORK_DIR}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "libFuzzer failed (${result}); the failing input is in ${WORK_DIR}")
endif()
