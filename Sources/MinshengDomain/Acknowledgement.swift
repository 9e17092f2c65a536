/// How fast each channel must acknowledge a request — the citizen gets the tracking code — under GB/T 33358 and
/// 国办发〔2020〕53号: SMS and other network media (WeChat, web, app, Open311) within 3 minutes, e-mail within 24 hours,
/// phone, visit and video on the spot. Letters are not in the standard; 《信访工作条例》 Art. 22 gives 15 days to tell
/// the writer how the letter is handled, and that is the target used for them.
public enum AcknowledgementTarget {
    /// Seconds allowed from receipt (the case's `registeredAt`) to acknowledgement; 0 is "on the spot".
    public static func seconds(for channel: Channel) -> Int64 {
        switch channel {
        case .sms, .wechat, .web, .app, .open311: 180
        case .email: 86_400
        case .phone, .visit, .video: 0
        case .letter: 15 * 86_400
        }
    }

    public static func label(for channel: Channel) -> String {
        switch seconds(for: channel) {
        case 0: "当场"
        case 180: "3分钟内"
        case 86_400: "24小时内"
        default: "15日内"
        }
    }

    /// Channels whose answer to the registration itself carries the tracking code: the portal's page and the public
    /// API's response, WeChat's passive reply, Open311's response, the agent or receptionist in person. SMS, e-mail and
    /// letters are acknowledged when the outbox delivers their acknowledgement notice.
    public static func atRegistration(_ channel: Channel) -> Bool {
        switch channel {
        case .sms, .email, .letter: false
        case .phone, .visit, .video, .web, .app, .wechat, .open311: true
        }
    }
}
