/**
 * Sessions and routing histories as the simulator writes them: the shapes of the mluvii Public
 * API's `SessionModel` and `RoutingTimeLine`. Every field is optional and every enum an open
 * string, as on the real API. The ETL itself reads these payloads as untrusted JSON, so only the
 * simulator (and tests that build payloads by hand) use these types.
 */
import type { OpenEnum } from '../mluvii/types.js';

export type SessionChannel = OpenEnum<'UNKNOWN' | 'Chat' | 'AV' | 'Phone'>;
export type SessionSource = OpenEnum<
  'UNKNOWN' | 'Default' | 'Callback' | 'Invitation' | 'ChatInvitation' | 'IncomingCall' | 'OutgoingCall' | 'Campaign' | 'API' |
  'Facebook' | 'WhatsApp' | 'VK' | 'Apple' | 'GenericChannel'
>;
export type SessionStatus = OpenEnum<'UNKNOWN' | 'CREATED' | 'IN_QUEUE' | 'WAITING' | 'ACTIVE' | 'ACW' | 'BCW' | 'CLOSED' | 'BLACKLISTED'>;
export type RoutingActivityType = OpenEnum<
  'UNKNOWN' | 'RoutingRequestCreated' | 'EnteredGroupQueue' | 'GroupQueueTimeoutExpired' | 'LeftGroupQueue' | 'AssignedToOperator' |
  'OperatorTimeoutExpired' | 'AcceptedByOperator' | 'ForwardedToGroup' | 'ForwardedToUser' | 'ForwardedToPhone' | 'RoutingEnded' |
  'InvitedGroup' | 'InvitedUser'
>;

export interface GuestInfo {
  tempId?: number | null;
  ipAddress?: string | null;
  trackedId?: string | null;
  identity?: string | null;
  channelIdentity?: number | null;
  os?: string | null;
  browser?: string | null;
  language?: string | null;
  callParams?: Record<string, string> | null;
  gdprVersion?: string | null;
}

export interface SessionOperator {
  userId?: number | null;
  userName?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  joined?: string | null;
  left?: string | null;
  concluded?: string | null;
  feedbackResult?: string | null;
  feedbackText?: string | null;
  note?: string | null;
}

export type ActivityType = OpenEnum<
  'UNKNOWN' | 'ChatMessage' | 'SharedFile' | 'ChatbotMessage' | 'Handoff' | 'SessionEnded' | 'SessionForwarded' | 'OperatorInvited' |
  'OperatorInviteCanceled' | 'OperatorInviteRejected' | 'OperatorKicked' | 'Joined' | 'Left'
>;
export type TerminationReason = OpenEnum<
  'UnknownReason' | 'GuestLeft' | 'OperatorLeft' | 'ChatbotLeft' | 'GuestAbandoned' | 'OperatorAbandoned' | 'ExternalPartyLeft' |
  'CampaignFailedDial' | 'CampaignTerminated' | 'CallForwardedToExternalPhone' | 'OperatorWithoutExtension' | 'ForwardToExternalPhoneFailed' |
  'FailedRouting' | 'ExternalSessionExpired' | 'SessionApiCall' | 'SingleUseSession'
>;
export type GuestLeftSessionInState = OpenEnum<'UNKNOWN' | 'LeftQueue' | 'LeftSession' | 'LeftAfterSession' | 'StillConnected' | 'LeftBeforeQueue'>;
export type DialNumberState = OpenEnum<
  'UNKNOWN' | 'DIALING' | 'ANSWERED' | 'RINGING' | 'FAILED' | 'NO_ANSWER' | 'BLACKLISTED' | 'REJECTED' | 'INVALID_NUMBER' | 'UNREACHABLE' | 'CANCELLED_BY_USER'
>;

/** `activities[].file` (SharedFile etc.); `downloadUrl` is generated on each read. */
export interface ActivityFile {
  id?: number | null;
  operatorOwner?: number | null;
  departmentOwner?: number | null;
  name?: string | null;
  downloadUrl?: string | null;
  isUploading?: boolean | null;
  isDeleted?: boolean | null;
}

export interface Activity {
  activityId?: number | null;
  time?: string | null;
  type?: ActivityType | null;
  client?: string | null;
  userId?: number | null;
  text?: string | null;
  /** Only on the SessionEnded activity. */
  terminationReason?: TerminationReason | null;
  chatbotId?: number | null;
  file?: ActivityFile | null;
  toOperatorUserId?: number | null;
  toOperatorFullName?: string | null;
  toGroupId?: number | null;
  toGroupName?: string | null;
  toPhoneNumber?: string | null;
  note?: string | null;
  [key: string]: unknown;
}

export interface ChatbotInfo {
  chatbotId?: number | null;
  name?: string | null;
  joined?: string | null;
  left?: string | null;
  [key: string]: unknown;
}

export interface ReviewerInfo {
  userId?: number | null;
  userName?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  feedbackText?: string | null;
  note?: string | null;
  [key: string]: unknown;
}

export interface Recording {
  id?: number | null;
  name?: string | null;
  started?: string | null;
  duration?: string | null;
  type?: string | null;
  userId?: number | null;
  serviceId?: number | null;
  downloadUrl?: string | null;
  isUploading?: boolean | null;
  isDeleted?: boolean | null;
}

export interface AssignedTag {
  userId?: number | null;
  name?: string | null;
}

export interface SessionModel {
  id?: number | null;
  companyId?: number | null;
  departmentId?: number | null;
  guest?: GuestInfo | null;
  channel?: SessionChannel | null;
  source?: SessionSource | null;
  status?: SessionStatus | null;
  avSupport?: string | null;
  directCallNumber?: string | null;
  phoneCallbackNumber?: string | null;
  isDirectChat?: boolean | null;
  url?: string | null;
  widget?: string | null;
  operators?: SessionOperator[] | null;
  reviewers?: ReviewerInfo[] | null;
  enteredQueue?: string | null;
  created?: string | null;
  guestJoined?: string | null;
  started?: string | null;
  ended?: string | null;
  waited?: string | null;
  length?: string | null;
  blacklisted?: boolean | null;
  phoneCallbackDialed?: string | null;
  activities?: Activity[] | null;
  tags?: AssignedTag[] | null;
  chatbots?: ChatbotInfo[] | null;
  guestFeedbackStars?: number | null;
  guestFeedbackScale?: string | null;
  guestFeedbackText?: string | null;
  autoAccepted?: boolean | null;
  recordings?: Recording[] | null;
  recordingsState?: string | null;
  guestLeftSession?: GuestLeftSessionInState | null;
  outboundDialResult?: DialNumberState | null;
  campaignId?: number | null;
  [key: string]: unknown;
}

export interface RoutingTimelineOperator {
  userId?: number | null;
  firstName?: string | null;
  lastName?: string | null;
}

export interface IdName {
  id?: number | null;
  name?: string | null;
}

export interface RoutingTimeLine {
  routingRequestId?: number | null;
  timestamp?: string | null;
  activityType?: RoutingActivityType | null;
  group?: IdName | null;
  phoneNumber?: string | null;
  operator?: RoutingTimelineOperator | null;
  forwardedByOperator?: RoutingTimelineOperator | null;
  invitedByOperator?: RoutingTimelineOperator | null;
}
