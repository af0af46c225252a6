# Warnings are errors on our own targets only: third-party headers come in as SYSTEM.
function(shardmq_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()
