# The cluster itself (issue 14): tidingsd nodes on nats-server and haproxy, started by the
# harness in support/ (needs both tools; without them the tests are not registered).
if(TIDINGS_NATS_SERVER AND TIDINGS_HAPROXY)
    # The traffic clients reconnect with the desktop client's own Backoff.
    add_library(tidings_cluster_support STATIC
        support/cluster_harness.cpp support/cluster_harness.h
        support/traffic_client.cpp support/traffic_client.h
        ${PROJECT_SOURCE_DIR}/app/core/net/backoff.cpp)
    target_include_directories(tidings_cluster_support PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}
        ${PROJECT_SOURCE_DIR}/app)
    target_link_libraries(tidings_cluster_support PUBLIC tidings_test_support Qt6::Network)
    tidings_warnings(tidings_cluster_support)
    # The router on its own: two or three in one process on a nats-server the test starts.
    tidings_add_test(test_cluster_router SOURCES test_cluster_router.cpp
        LIBS tidings_server_core LABELS cluster TIMEOUT 120)
    tidings_add_test(test_cluster SOURCES test_cluster.cpp LIBS tidings_cluster_support
        LABELS cluster TIMEOUT 600)
    add_dependencies(test_cluster tidingsd)
    # "cluster-failure": time-bound recovery checks; scripts/test leaves them out of its
    # sanitizer step.
    tidings_add_test(test_cluster_failure SOURCES test_cluster_failure.cpp
        LIBS tidings_cluster_support LABELS cluster cluster-failure TIMEOUT 600)
    add_dependencies(test_cluster_failure tidingsd)
endif()
