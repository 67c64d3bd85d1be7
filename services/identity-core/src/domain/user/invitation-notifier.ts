import type { Logger } from "@cosafe/logging";

export interface InvitationMessage {
  invitationId: string;
  tenantId: string;
  userId: string;
  email: string;
}

/** Delivers invitations (R3). Pluggable: the default writes a log line for the mailer to pick up. */
export interface InvitationNotifier {
  send(invitation: InvitationMessage): Promise<void>;
}

export class LogInvitationNotifier implements InvitationNotifier {
  constructor(private readonly logger: Logger) {}

  async send(invitation: InvitationMessage): Promise<void> {
    this.logger.info(
      { invitationId: invitation.invitationId, tenantId: invitation.tenantId, userId: invitation.userId },
      "invitation ready to send",
    );
  }
}
