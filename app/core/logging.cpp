#include "core/logging.h"

Q_LOGGING_CATEGORY(lcNet, "tidings.app.net", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSync, "tidings.app.sync", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStore, "tidings.app.store", QtInfoMsg)
Q_LOGGING_CATEGORY(lcClient, "tidings.app.client", QtInfoMsg)
Q_LOGGING_CATEGORY(lcMedia, "tidings.app.media", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCli, "tidings.app.cli", QtWarningMsg)
