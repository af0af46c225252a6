# Copies libjemalloc_pic.a with every public symbol renamed to <prefix><name>, so the bench can link
# jemalloc statically without it becoming the process malloc: Debian's archive exports malloc, free,
# calloc, ... and operator new/delete, which would otherwise pre-empt glibc's for the whole program.
#
#   cmake -Dinput=<libjemalloc_pic.a> -Doutput=<renamed.a> -Dprefix=sjem_ -Dnm=<nm> -Dobjcopy=<objcopy>
#         -P rename_jemalloc_symbols.cmake
#
# The list is taken from the archive itself (not written by hand) so that a jemalloc update that
# exports a new name cannot slip through; jemalloc's internals are already prefixed je_ and kept.
# objcopy renames definitions and references alike, so the archive stays self-consistent.

cmake_minimum_required(VERSION 3.25)

foreach(var input output prefix nm objcopy)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "rename_jemalloc_symbols.cmake: -D${var}=... is required")
  endif()
endforeach()

# Defined global symbols of an archive, one name per list element.
function(defined_globals archive out_var)
  execute_process(COMMAND ${nm} -g --defined-only ${archive}
    OUTPUT_VARIABLE listing ERROR_VARIABLE errors RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${nm} failed on ${archive}: ${errors}")
  endif()
  string(REPLACE "\n" ";" lines "${listing}")
  set(names)
  foreach(line IN LISTS lines)
    if(line MATCHES "^[0-9a-fA-F]+ [A-Za-z] ([^ ]+)$")
      list(APPEND names ${CMAKE_MATCH_1})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES names)
  set(${out_var} ${names} PARENT_SCOPE)
endfunction()

# Kept as they are: jemalloc's je_-prefixed internals and the compiler's DW.ref.* personality
# pointers (COMDAT data every C++ object may carry).
function(is_kept name out_var)
  if(name MATCHES "^je_" OR name MATCHES "^DW\\.ref\\.")
    set(${out_var} TRUE PARENT_SCOPE)
  else()
    set(${out_var} FALSE PARENT_SCOPE)
  endif()
endfunction()

defined_globals(${input} names)
set(map "")
set(renamed 0)
foreach(name IN LISTS names)
  is_kept(${name} kept)
  if(NOT kept)
    string(APPEND map "${name} ${prefix}${name}\n")
    math(EXPR renamed "${renamed} + 1")
  endif()
endforeach()
if(renamed EQUAL 0)
  message(FATAL_ERROR "no public symbols found in ${input}: is it really jemalloc?")
endif()
file(WRITE ${output}.symbols "${map}")

execute_process(COMMAND ${objcopy} --redefine-syms=${output}.symbols ${input} ${output}.tmp
  ERROR_VARIABLE errors RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${objcopy} failed: ${errors}")
endif()

# Proof that nothing public is left under its own name, and that what the bench calls exists.
defined_globals(${output}.tmp after)
foreach(name IN LISTS after)
  is_kept(${name} kept)
  if(NOT kept AND NOT name MATCHES "^${prefix}")
    message(FATAL_ERROR "${name} is still exported by the renamed jemalloc archive")
  endif()
endforeach()
foreach(wanted malloc free mallctl)
  if(NOT "${prefix}${wanted}" IN_LIST after)
    message(FATAL_ERROR "${prefix}${wanted} missing from the renamed jemalloc archive")
  endif()
endforeach()
file(RENAME ${output}.tmp ${output})
message(STATUS "jemalloc: ${renamed} public symbols renamed to ${prefix}*")
