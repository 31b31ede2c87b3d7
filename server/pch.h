// Precompiled header of tidings_server_core (see shared/pch.h).
#pragma once

#include "../shared/pch.h"

#include <QHostAddress>
#include <QWebSocket>
#include <QWebSocketServer>

#include <libpq-fe.h>
