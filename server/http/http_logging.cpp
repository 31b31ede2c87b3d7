#include "http_logging.h"

Q_LOGGING_CATEGORY(lcHttp, "tidings.server.http", QtInfoMsg)
