# cmake -DOUT=file.cpp -DNAMESPACE=ns -DVAR=kName -DDIR=migrations/sqlite -P EmbedSql.cmake
# Writes a C++ file holding every NNNN_name.sql of DIR as {version, name, sql}, in order.
file(GLOB _files "${DIR}/*.sql")
list(SORT _files)
set(_body "")
foreach(_f ${_files})
  get_filename_component(_name "${_f}" NAME_WE)
  string(REGEX MATCH "^[0-9]+" _ver "${_name}")
  math(EXPR _ver "${_ver} + 0")
  file(READ "${_f}" _sql)
  string(APPEND _body "    {${_ver}, \"${_name}\", R\"mitrasql(${_sql})mitrasql\"},\n")
endforeach()
file(WRITE "${OUT}.tmp" "// Generated from ${DIR} by cmake/EmbedSql.cmake. Do not edit.\n#include \"storage/migration.hpp\"\n\nnamespace ${NAMESPACE} {\n\nconst std::vector<storage::Migration>& ${VAR}() {\n  static const std::vector<storage::Migration> kAll = {\n${_body}  };\n  return kAll;\n}\n\n}  // namespace ${NAMESPACE}\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
