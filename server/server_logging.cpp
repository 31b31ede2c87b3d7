#include "server_logging.h"

Q_LOGGING_CATEGORY(lcDb, "tidings.server.db", QtInfoMsg)
Q_LOGGING_CATEGORY(lcGateway, "tidings.server.gateway", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAccounts, "tidings.server.accounts", QtInfoMsg)
Q_LOGGING_CATEGORY(lcMessaging, "tidings.server.messaging", QtInfoMsg)
Q_LOGGING_CATEGORY(lcKeys, "tidings.server.keys", QtInfoMsg)
Q_LOGGING_CATEGORY(lcServer, "tidings.server", QtInfoMsg)
