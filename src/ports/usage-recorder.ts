/** Counts calls to a paid face service, by API and by event, for cost reports and metrics. */
export interface UsageRecorder {
  record(api: string, eventId: string | null): void;
}

export const noUsageRecorder: UsageRecorder = { record: () => undefined };
