#include "ct_tcp.h"
const struct ct_case ct_cases_tcp_data[] = {
	{ 0 },
};
