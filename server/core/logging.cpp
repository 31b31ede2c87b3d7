#include "core/logging.h"

Q_LOGGING_CATEGORY(lcDb, "tidings.server.db", QtInfoMsg)
Q_LOGGING_CATEGORY(lcGateway, "tidings.server.gateway", QtInfoMsg)
Q_LOGGING_CATEGORY(lcRouting, "tidings.server.routing", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCluster, "tidings.server.cluster", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAccounts, "tidings.server.accounts", QtInfoMsg)
Q_LOGGING_CATEGORY(lcMessaging, "tidings.server.messaging", QtInfoMsg)
Q_LOGGING_CATEGORY(lcGroups, "tidings.server.groups", QtInfoMsg)
Q_LOGGING_CATEGORY(lcPresence, "tidings.server.presence", QtInfoMsg)
Q_LOGGING_CATEGORY(lcContacts, "tidings.server.contacts", QtInfoMsg)
Q_LOGGING_CATEGORY(lcKeys, "tidings.server.keys", QtInfoMsg)
Q_LOGGING_CATEGORY(lcServer, "tidings.server", QtInfoMsg)
