/* energy_meters.c - the meter sources as a set: probed in a fixed order
 * (powercap, hwmon, battery, nvml), each available or with its reason,
 * for `edgebench info` and the harness. */
#include "bench/energy.h"

void eb_meter_close(eb_meter *m)
{
    if (m->close)
        m->close(m);
    m->close = NULL;
}

void eb_meters_probe_all(eb_meter out[EB_METER_SOURCES])
{
    eb_meter_powercap_probe(&out[0]);
    eb_meter_hwmon_probe(&out[1]);
    eb_meter_battery_probe(&out[2]);
    eb_meter_nvml_probe(&out[3], 0);
}
