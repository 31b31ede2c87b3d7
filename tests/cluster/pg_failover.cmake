# PostgreSQL failover (issue 14): a primary with a synchronous streaming replica (initdb,
# pg_basebackup -R), tidingsd on a multi-host URL with target_session_attrs=read-write, the
# primary killed and the replica promoted under traffic. Needs only PostgreSQL's server
# binaries (found as EmbeddedPostgres finds them); the test skips itself without them.
tidings_add_test(test_pg_failover SOURCES test_pg_failover.cpp LIBS tidings_test_support
    LABELS cluster cluster-failure TIMEOUT 300)
if(TARGET tidingsd)
    add_dependencies(test_pg_failover tidingsd)
endif()
# support/pg_replication.h: the primary and its synchronous replica.
target_include_directories(test_pg_failover PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
