#ifndef DRIFTWATCH_CRDKAFKA_SHIM_H
#define DRIFTWATCH_CRDKAFKA_SHIM_H
// rdkafka.h must come first: rdkafka_mock.h refuses to compile without it.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#endif
