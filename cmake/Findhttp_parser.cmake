# Finds Node's http_parser (Debian: libhttp-parser-dev), which ships no pkg-config or CMake file,
# and defines the imported target http_parser::http_parser. Installed beside shardmqConfig.cmake
# because the static shardmq::net needs the library at the consumer's link.
find_path(HTTP_PARSER_INCLUDE_DIR http_parser.h)
find_library(HTTP_PARSER_LIBRARY NAMES http_parser)

if(NOT HTTP_PARSER_INCLUDE_DIR OR NOT HTTP_PARSER_LIBRARY)
  set(http_parser_FOUND FALSE)
  if(http_parser_FIND_REQUIRED)
    message(FATAL_ERROR
      "http_parser not found (header: ${HTTP_PARSER_INCLUDE_DIR}, library: ${HTTP_PARSER_LIBRARY}). "
      "shardmq::net parses HTTP with it: install it with scripts/install-deps "
      "(Debian package libhttp-parser-dev), or set HTTP_PARSER_INCLUDE_DIR and HTTP_PARSER_LIBRARY.")
  endif()
  return()
endif()

set(http_parser_FOUND TRUE)
if(NOT TARGET http_parser::http_parser)
  add_library(http_parser::http_parser UNKNOWN IMPORTED)
  set_target_properties(http_parser::http_parser PROPERTIES
    IMPORTED_LOCATION ${HTTP_PARSER_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${HTTP_PARSER_INCLUDE_DIR})
endif()
