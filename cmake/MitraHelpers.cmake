# mitra_add_test(NAME SOURCES a.cpp ... LIBS lib ... LABEL unit|storage|http|pg)
# One GoogleTest executable, discovered into ctest with the given label.
function(mitra_add_test name)
  cmake_parse_arguments(ARG "NEEDS_BINARY" "LABEL" "SOURCES;LIBS" ${ARGN})
  if(NOT BUILD_TESTING)
    return()
  endif()
  if(NOT ARG_LABEL)
    set(ARG_LABEL unit)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} mitra_options GTest::gtest_main GTest::gmock)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  if(ARG_NEEDS_BINARY)
    # Tests that start the real `mitra` executable (servers, CLI) find it here ($MITRA_BIN
    # overrides).
    target_compile_definitions(${name} PRIVATE MITRA_BIN_PATH="$<TARGET_FILE:mitra>")
    add_dependencies(${name} mitra)
  endif()
  gtest_discover_tests(${name}
      PROPERTIES LABELS "${ARG_LABEL}" ENVIRONMENT "MITRA_DATA_DIR=${PROJECT_SOURCE_DIR}/data"
      DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60)
endfunction()

# mitra_add_library(NAME SOURCES ... PUBLIC_LIBS ... PRIVATE_LIBS ...)
function(mitra_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC mitra_options ${ARG_PUBLIC_LIBS} PRIVATE ${ARG_PRIVATE_LIBS})
endfunction()
