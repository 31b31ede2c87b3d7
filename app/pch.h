// Precompiled header of tidings_client_core and tidings-cli (see shared/pch.h).
#pragma once

#include "../shared/pch.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QWebSocket>
