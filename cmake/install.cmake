# Installation and packaging (included when ROPECHECK_INSTALL is on):
#   bin/ropecheck; lib/libropecheck.a and libropecheck_properties.a; lib/ropecheck/ the kernels
#   plugin; include/ropecheck/ the headers; share/ropecheck/ the shipped data (case
#   catalogue, golden sets, model configs, report schema and plot script: cli/data_directory.h
#   finds them beside the executable); share/doc/ropecheck/ the README and docs/;
#   lib/cmake/ropecheck/ the CMake package; lib/pkgconfig/ropecheck.pc.
# `cpack -G DEB` makes ropecheck_<version>_<arch>.deb from the same rules.
include(CMakePackageConfigHelpers)

set(ROPECHECK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ropecheck)

install(TARGETS ropecheck_lib ropecheck ropecheck_plugin_abi EXPORT ropecheck-targets
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS ropecheck_properties EXPORT ropecheck-properties-targets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS ropecheck_kernels_plugin LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/ropecheck)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/ropecheck/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ropecheck
        FILES_MATCHING PATTERN "*.h")
install(EXPORT ropecheck-targets NAMESPACE ropecheck:: DESTINATION ${ROPECHECK_CMAKE_DIR})
install(EXPORT ropecheck-properties-targets NAMESPACE ropecheck:: DESTINATION ${ROPECHECK_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ropecheck-config.cmake.in
                              ${PROJECT_BINARY_DIR}/ropecheck-config.cmake INSTALL_DESTINATION ${ROPECHECK_CMAKE_DIR})
# 0.x: a minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ropecheck-config-version.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ropecheck-config.cmake ${PROJECT_BINARY_DIR}/ropecheck-config-version.cmake
        DESTINATION ${ROPECHECK_CMAKE_DIR})
configure_file(${PROJECT_SOURCE_DIR}/cmake/ropecheck.pc.in ${PROJECT_BINARY_DIR}/ropecheck.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/ropecheck.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The shipped data, laid out as in the source tree (cli/data_directory.h).
install(FILES ${PROJECT_SOURCE_DIR}/golden/cases.json DESTINATION ${CMAKE_INSTALL_DATADIR}/ropecheck/golden)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/golden/v1 ${PROJECT_SOURCE_DIR}/golden/models ${PROJECT_SOURCE_DIR}/golden/configs
        DESTINATION ${CMAKE_INSTALL_DATADIR}/ropecheck/golden)
install(FILES ${PROJECT_SOURCE_DIR}/scripts/plot_report.py ${PROJECT_SOURCE_DIR}/scripts/report.schema.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/ropecheck/scripts)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

# The Debian package: the runtime libraries the command and the plugin link, by their
# Debian 12 package names; the development packages a consumer of the CMake package needs
# are suggested.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ropecheck)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Numerical verification and property testing of Rotary Position Embedding")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "ropecheck <ropecheck@localhost>")
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libc6 (>= 2.36), libstdc++6 (>= 12), libgcc-s1, libgmp10, libmpfr6 (>= 4.2), libmpc3, libfmt9, libhwy1 (>= 1.0.3), libssl3")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "python3-matplotlib, libmpfr-dev, libmpc-dev, libgmp-dev, libfmt-dev, libhwy-dev, nlohmann-json3-dev, libboost-dev, libssl-dev, librapidcheck-dev")
include(CPack)
