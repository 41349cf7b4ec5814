"""One error type for all three cloud services, and what each result code means.

``CloudError`` is what every adapter raises. ``explain(code, lang)`` turns any code the
console may show (an Aliyun business or gateway code, an MNS code, an Alipay gateway
code or ``sub_code``, or a carrier delivery code from a status report) into a short
meaning and what the admin should do, in Chinese or English.
"""

from __future__ import annotations

import re

SERVICES = ("sms", "mns", "alipay")

# code -> (zh meaning, zh advice, en meaning, en advice)
_Entry = tuple[str, str, str, str]

_SMS_BUSINESS: dict[str, _Entry] = {
    "OK": ("成功", "无需处理。", "Success", "Nothing to do."),
    "isv.BUSINESS_LIMIT_CONTROL": (
        "触发号码频率限制（同一号码同一签名：验证码默认每分钟1条、每小时5条、每天10条）",
        "稍后再发；如业务确需更高频率，在阿里云短信控制台调整流控设置。",
        "Per-number rate limit hit (same number and signature: verification codes default to "
        "1/min, 5/hour, 10/day)",
        "Send later; if the business really needs more, raise the limit in the Aliyun SMS "
        "console's rate-limit settings.",
    ),
    "isv.DAY_LIMIT_CONTROL": (
        "触发账号日发送量上限",
        "明天再发，或在阿里云控制台提高日发送量上限。",
        "Account daily sending cap reached",
        "Wait until tomorrow or raise the daily cap in the Aliyun console.",
    ),
    "isv.MONTH_LIMIT_CONTROL": (
        "触发账号月发送量上限",
        "下月再发，或在阿里云控制台提高月发送量上限。",
        "Account monthly sending cap reached",
        "Wait until next month or raise the monthly cap in the Aliyun console.",
    ),
    "isv.MOBILE_NUMBER_ILLEGAL": (
        "手机号码格式不正确",
        "检查号码：中国大陆号码为11位、以1开头（可带+86/0086/86前缀）。",
        "Invalid phone number format",
        "Check the number: mainland numbers have 11 digits starting with 1 (an optional "
        "+86/0086/86 prefix is accepted).",
    ),
    "isv.MOBILE_COUNT_OVER_LIMIT": (
        "号码数量超过上限（SendSms 每次最多1000个，SendBatchSms 最多100个）",
        "把号码拆成多批发送。",
        "Too many numbers in one call (SendSms at most 1000, SendBatchSms at most 100)",
        "Split the numbers into several calls.",
    ),
    "isv.SMS_TEMPLATE_ILLEGAL": (
        "模板不存在或未审核通过",
        "核对模板 CODE 是否属于此账号且状态为审核通过。",
        "Template not found under this account, or not approved",
        "Check that the template code belongs to this account and is approved.",
    ),
    "isv.SMS_SIGNATURE_ILLEGAL": (
        "签名不存在或未审核通过（也可能含空格或乱码）",
        "核对签名名称（不要带【】或空格）且状态为审核通过。",
        "Signature not found under this account or not approved (or it has spaces/garbled "
        "characters)",
        "Check the signature name (no 【】 or spaces) and that it is approved.",
    ),
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL": (
        "签名类型与模板类型不匹配（如验证码签名用于通知或推广模板）",
        "验证码模板配验证码签名或通用签名；通知/推广模板使用通用签名。",
        "Signature type does not match the template type (e.g. a verification-code "
        "signature used with a notification template)",
        "Use a verification or general signature with verification templates, and a "
        "general signature with notification/promotion templates.",
    ),
    "isv.SIGN_STATE_ILLEGAL": (
        "签名不可用（已被禁用或状态异常）",
        "在阿里云短信控制台查看签名状态，必要时重新申请。",
        "Signature unavailable (disabled or in an abnormal state)",
        "Check the signature in the Aliyun SMS console; apply again if needed.",
    ),
    "isv.SMS_SIGN_ILLEGAL": (
        "签名被禁用",
        "在阿里云短信控制台查看签名状态，必要时更换签名。",
        "Signature forbidden",
        "Check the signature in the Aliyun SMS console; use another if needed.",
    ),
    "isv.TEMPLATE_MISSING_PARAMETERS": (
        "模板变量缺少对应参数值",
        "TemplateParam 中要包含模板里的每个 ${变量}。",
        "A template variable has no value in TemplateParam",
        "Give TemplateParam a value for every ${variable} in the template.",
    ),
    "isv.INVALID_JSON_PARAM": (
        "TemplateParam 不是合法的 JSON（值须为字符串）",
        "传 JSON 对象字符串，例如 {\"code\":\"1234\"}。",
        "TemplateParam is not valid JSON (values must be strings)",
        "Pass a JSON object string such as {\"code\":\"1234\"}.",
    ),
    "isv.INVALID_PARAMETERS": (
        "参数格式不正确",
        "按接口文档检查参数（例如 SendDate 格式为 yyyyMMdd）。",
        "A parameter is malformed",
        "Check the parameters against the API reference (e.g. SendDate is yyyyMMdd).",
    ),
    "isv.PARAM_LENGTH_LIMIT": (
        "变量值超过长度限制",
        "缩短变量值。",
        "A variable value is too long",
        "Shorten the variable value.",
    ),
    "isv.PARAM_NOT_SUPPORT_URL": (
        "变量中不允许出现链接",
        "把链接写进模板正文并报备，而不是放在变量里。",
        "URLs are not allowed in variable values",
        "Put the link in the template text (reviewed) instead of a variable.",
    ),
    "isv.BLACK_KEY_CONTROL_LIMIT": (
        "变量中含有禁止的关键字",
        "修改变量内容，去掉敏感词。",
        "A variable contains a blacklisted keyword",
        "Change the variable text to remove the forbidden word.",
    ),
    "isv.SMS_CONTENT_ILLEGAL": (
        "短信内容包含禁止发送的信息",
        "修改内容后重新发送。",
        "The message content is not allowed",
        "Change the content and send again.",
    ),
    "isv.AMOUNT_NOT_ENOUGH": (
        "阿里云账户余额不足",
        "给阿里云账户充值。",
        "Aliyun account balance insufficient",
        "Top up the Aliyun account.",
    ),
    "isv.OUT_OF_SERVICE": (
        "业务停机（账户欠费）",
        "给阿里云账户充值后恢复服务。",
        "Service suspended (account in arrears)",
        "Top up the Aliyun account to restore service.",
    ),
    "isv.PRODUCT_UN_SUBSCRIPT": (
        "未开通短信服务",
        "在阿里云控制台开通短信服务。",
        "SMS service not activated",
        "Activate the SMS service in the Aliyun console.",
    ),
    "isv.PRODUCT_UNSUBSCRIBE": (
        "未开通短信服务",
        "在阿里云控制台开通短信服务。",
        "SMS service not activated",
        "Activate the SMS service in the Aliyun console.",
    ),
    "isv.ACCOUNT_NOT_EXISTS": (
        "阿里云账户不存在",
        "检查 AccessKey 所属账户。",
        "Aliyun account does not exist",
        "Check which account the AccessKey belongs to.",
    ),
    "isv.ACCOUNT_ABNORMAL": (
        "阿里云账户状态异常",
        "登录阿里云控制台查看账户状态或联系阿里云客服。",
        "Aliyun account in an abnormal state",
        "Check the account in the Aliyun console or contact Aliyun support.",
    ),
    "isv.EXTEND_CODE_ERROR": (
        "同一扩展码被多个签名使用",
        "联系阿里云调整扩展码。",
        "The same extension code is used by several signatures",
        "Ask Aliyun to reassign extension codes.",
    ),
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED": (
        "国际/港澳台模板不能发送中国大陆号码",
        "大陆号码请使用国内模板。",
        "International template used for a mainland number",
        "Use a domestic template for mainland numbers.",
    ),
    "isv.DENY_IP_RANGE": (
        "调用方 IP 所在地区被禁止",
        "从允许的地区/服务器调用，或在控制台调整 IP 限制。",
        "Caller IP region blocked",
        "Call from an allowed server or adjust the IP restrictions in the console.",
    ),
    "isp.RAM_PERMISSION_DENY": (
        "RAM 子账号没有短信权限",
        "在 RAM 控制台给该 AccessKey 的用户授予 AliyunDysmsFullAccess（或 dysms:* 权限）。",
        "The RAM user lacks SMS permissions",
        "Grant the AccessKey's RAM user AliyunDysmsFullAccess (or dysms:*) in the RAM console.",
    ),
    "isp.SYSTEM_ERROR": (
        "阿里云平台系统错误",
        "稍后重试；持续出现请联系阿里云。",
        "Aliyun platform error",
        "Retry later; contact Aliyun if it persists.",
    ),
    "isv.QUEUE_NOT_MATCH": (
        "队列名称与消息类型或账号不匹配",
        "检查队列名称：应为 Alicom-Queue-<账号UID>-SmsReport 或 -SmsUp。",
        "Queue name does not match the message type or the account",
        "Check the queue name: Alicom-Queue-<account uid>-SmsReport or -SmsUp.",
    ),
}

_GATEWAY: dict[str, _Entry] = {
    "MissingParameter": (
        "缺少必填参数", "检查请求参数是否完整。",
        "A required parameter is missing", "Check that the request has all parameters.",
    ),
    "InvalidParameter": (
        "参数值不合法", "按接口文档检查参数。",
        "A parameter value is invalid", "Check the parameters against the API reference.",
    ),
    "IncompleteSignature": (
        "签名信息不完整", "检查 AccessKey 配置；确认没有代理改写请求头。",
        "The request signature is incomplete",
        "Check the AccessKey settings and that no proxy rewrites the headers.",
    ),
    "InvalidTimeStamp.Expired": (
        "请求时间戳过期（本机时间与标准时间相差超过15分钟）", "校准服务器时间（启用 NTP）。",
        "Request timestamp expired (clock more than 15 minutes off)",
        "Fix the server clock (enable NTP).",
    ),
    "IllegalTimestamp": (
        "请求时间戳格式或取值不合法", "校准服务器时间（启用 NTP）。",
        "Illegal request timestamp", "Fix the server clock (enable NTP).",
    ),
    "SignatureNonceUsed": (
        "签名随机数重复使用", "重新发起请求即可；频繁出现请检查是否有重放。",
        "Signature nonce already used", "Send the request again; if frequent, look for replays.",
    ),
    "MissingSecurityToken": (
        "使用 STS 临时凭证但缺少 SecurityToken", "检查 STS 凭证配置。",
        "STS credentials used without a SecurityToken", "Check the STS credential settings.",
    ),
    "SignatureDoesNotMatch": (
        "签名不匹配：AccessKey Secret 错误", "核对 AccessKey Secret（注意首尾空格）。",
        "Signature does not match: the AccessKey secret is wrong",
        "Check the AccessKey secret (watch for leading/trailing spaces).",
    ),
    "Throttling": (
        "请求过于频繁被限流", "稍后自动重试；持续出现请降低调用频率。",
        "Request throttled", "It is retried automatically; if it persists, call less often.",
    ),
    "Throttling.User": (
        "账号调用频率超过限制", "稍后自动重试；持续出现请降低调用频率。",
        "Account request rate over the limit",
        "It is retried automatically; if it persists, call less often.",
    ),
    "Throttling.Api": (
        "接口调用频率超过限制", "稍后自动重试；持续出现请降低调用频率。",
        "API request rate over the limit",
        "It is retried automatically; if it persists, call less often.",
    ),
    "InvalidAccessKeyId.NotFound": (
        "AccessKey ID 不存在", "核对 AccessKey ID；确认该 AccessKey 未被删除或禁用。",
        "AccessKey ID not found",
        "Check the AccessKey ID and that the key has not been deleted or disabled.",
    ),
    "InvalidAccessKeyId.Inactive": (
        "AccessKey 已被禁用", "在 RAM 控制台启用该 AccessKey 或换用新的。",
        "AccessKey disabled", "Enable the key in the RAM console or use another one.",
    ),
    "InvalidAction.NotFound": (
        "接口不存在", "检查接口名称和 API 版本。",
        "API action not found", "Check the action name and API version.",
    ),
    "Forbidden.RAM": (
        "RAM 权限不足", "在 RAM 控制台给该 AccessKey 的用户授予所需权限。",
        "RAM permission denied", "Grant the AccessKey's RAM user the needed permission.",
    ),
    "InvalidSecurityToken.Expired": (
        "STS 临时凭证已过期", "重新获取 STS 凭证。",
        "STS security token expired", "Obtain new STS credentials.",
    ),
    "InternalError": (
        "服务端内部错误", "稍后自动重试；持续出现请联系阿里云。",
        "Internal server error", "It is retried automatically; contact Aliyun if it persists.",
    ),
    "ServiceUnavailable": (
        "服务暂时不可用", "稍后自动重试。",
        "Service temporarily unavailable", "It is retried automatically.",
    ),
}

_MNS: dict[str, _Entry] = {
    "MessageNotExist": (
        "消息不存在（队列为空，或收据句柄已过期/已被更新）",
        "队列为空时无需处理；句柄过期说明处理超过了可见性超时，该消息会被重新投递。",
        "Message does not exist (queue empty, or the receipt handle expired or was replaced)",
        "Nothing to do for an empty queue; an expired handle means processing took longer "
        "than the visibility timeout, and the message will be delivered again.",
    ),
    "QueueNotExist": (
        "队列不存在", "核对队列名称（Alicom-Queue-<账号UID>-SmsReport / -SmsUp）和 MNS 地址。",
        "Queue does not exist",
        "Check the queue name (Alicom-Queue-<account uid>-SmsReport / -SmsUp) and the MNS "
        "endpoint.",
    ),
    "ReceiptHandleError": (
        "收据句柄格式不正确", "使用接收消息时返回的最新句柄。",
        "Malformed receipt handle", "Use the latest handle returned by the receive call.",
    ),
    "InvalidArgument": (
        "参数超出范围或 XML 不合法", "检查参数（每批1–16条，等待0–30秒）。",
        "Argument out of range or invalid XML",
        "Check the arguments (1–16 messages per batch, 0–30 s wait).",
    ),
    "MalformedXML": (
        "XML 格式错误", "检查请求体。", "Malformed XML", "Check the request body.",
    ),
    "InvalidRequestURL": (
        "请求 URL 不正确", "检查 MNS 地址（不要带路径）。",
        "Invalid request URL", "Check the MNS endpoint (no path).",
    ),
    "InvalidQueryString": (
        "URL 查询参数不合法", "检查请求参数。",
        "Invalid query string", "Check the request parameters.",
    ),
    "MissingReceiptHandle": (
        "缺少收据句柄", "删除或修改可见性时须提供句柄。",
        "Receipt handle missing", "Pass the handle when deleting or changing visibility.",
    ),
    "MissingVisibilityTimeout": (
        "缺少可见性超时参数", "提供 VisibilityTimeout。",
        "VisibilityTimeout missing", "Pass VisibilityTimeout.",
    ),
    "InvalidAuthorizationHeader": (
        "Authorization 请求头格式不正确", "检查 AccessKey 配置。",
        "Invalid Authorization header", "Check the AccessKey settings.",
    ),
    "MissingAuthorizationHeader": (
        "缺少 Authorization 请求头", "检查 AccessKey 配置。",
        "Authorization header missing", "Check the AccessKey settings.",
    ),
    "InvalidDateHeader": (
        "Date 请求头格式不正确", "校准服务器时间。",
        "Invalid Date header", "Fix the server clock.",
    ),
    "MissingDateHeader": (
        "缺少 Date 请求头", "检查客户端。", "Date header missing", "Check the client.",
    ),
    "InvalidDigest": (
        "Content-MD5 不正确", "检查请求体是否被代理改写。",
        "Invalid Content-MD5", "Check whether a proxy rewrites the request body.",
    ),
    "InvalidDegist": (
        "Content-MD5 不正确", "检查请求体是否被代理改写。",
        "Invalid Content-MD5", "Check whether a proxy rewrites the request body.",
    ),
    "InvalidAccessKeyId": (
        "AccessKey ID 不存在（或临时凭证未知）", "核对 AccessKey ID；队列模式为 alicom 时会自动重新获取临时凭证。",
        "AccessKey ID does not exist (or unknown temporary credentials)",
        "Check the AccessKey ID; in alicom queue mode new temporary credentials are fetched "
        "automatically.",
    ),
    "AccessDenied": (
        "无权访问（AccessKey 无权限，或临时凭证不属于该队列）",
        "检查 AccessKey 权限和队列名称是否与账号匹配。",
        "Access denied (the AccessKey has no permission, or the temporary credentials are "
        "for another queue)",
        "Check the AccessKey's permissions and that the queue name matches the account.",
    ),
    "SecurityTokenExpired": (
        "临时凭证（STS Token）已过期", "会自动重新获取；频繁出现请校准服务器时间。",
        "Temporary credentials (STS token) expired",
        "New ones are fetched automatically; if frequent, fix the server clock.",
    ),
    "TimeExpired": (
        "请求已过期（本机时间偏差过大）", "校准服务器时间（启用 NTP）。",
        "Request expired (clock too far off)", "Fix the server clock (enable NTP).",
    ),
    "QueueAlreadyExist": (
        "队列已存在且属性不同", "使用已有队列或换一个名称。",
        "Queue already exists with other attributes", "Use the existing queue or another name.",
    ),
    "InternalServerError": (
        "MNS 内部错误", "稍后自动重试。", "MNS internal error", "It is retried automatically.",
    ),
    "QpsLimitExceeded": (
        "队列 QPS 超过限制", "稍后自动重试；减少并发消费者。",
        "Queue QPS limit exceeded", "It is retried automatically; use fewer consumers.",
    ),
}

_ALIPAY: dict[str, _Entry] = {
    "10000": ("接口调用成功", "无需处理。", "Success", "Nothing to do."),
    "20000": (
        "支付宝服务暂不可用", "稍后重试。", "Alipay service unavailable", "Retry later.",
    ),
    "20001": (
        "授权权限不足", "检查应用授权令牌。",
        "Insufficient token permissions", "Check the app authorization token.",
    ),
    "40001": (
        "缺少必选参数", "检查请求参数。", "Missing required arguments", "Check the request.",
    ),
    "40002": (
        "非法的参数（常见为签名错误或 AppID 错误）", "核对应用私钥、AppID 和签名方式。",
        "Invalid arguments (often a bad signature or app id)",
        "Check the app private key, the app id and the sign type.",
    ),
    "40003": (
        "条件不足（如未配置应用公钥）", "在支付宝开放平台完成接口加签配置。",
        "Insufficient conditions (e.g. no app public key configured)",
        "Finish the signing configuration on the Alipay open platform.",
    ),
    "40004": (
        "业务处理失败", "查看 sub_code 的说明。",
        "Business failure", "See the sub_code's explanation.",
    ),
    "40006": (
        "权限不足（应用未签约该产品）", "在支付宝开放平台签约电脑网站支付等产品。",
        "Insufficient permissions (the app has not signed up for this product)",
        "Sign up for the product (e.g. computer website pay) on the Alipay open platform.",
    ),
    "isv.invalid-signature": (
        "验签出错：应用私钥与支付宝后台配置的应用公钥不匹配",
        "用与开放平台上应用公钥配对的应用私钥；检查签名方式（RSA2）。",
        "Signature check failed: the app private key does not match the app public key "
        "registered with Alipay",
        "Use the private key that pairs with the registered app public key; check the sign "
        "type (RSA2).",
    ),
    "isv.invalid-app-id": (
        "AppID 无效", "核对 AppID；确认应用已上线。",
        "Invalid app id", "Check the app id and that the app is online.",
    ),
    "isv.missing-signature": (
        "缺少签名参数", "检查客户端。", "Signature missing", "Check the client.",
    ),
    "isv.invalid-timestamp": (
        "时间戳不合法", "校准服务器时间（北京时间）。",
        "Invalid timestamp", "Fix the server clock (Beijing time).",
    ),
    "isv.invalid-method": (
        "接口名称不存在", "检查 method 参数。", "Unknown method", "Check the method name.",
    ),
    "isv.invalid-charset": (
        "字符集不合法", "使用 utf-8。", "Invalid charset", "Use utf-8.",
    ),
    "isv.missing-signature-config": (
        "未配置加签方式", "在开放平台设置接口加签方式。",
        "No signing configuration", "Configure interface signing on the open platform.",
    ),
    "isv.insufficient-isv-permissions": (
        "第三方应用权限不足", "检查应用签约的产品。",
        "Insufficient ISV permissions", "Check which products the app signed up for.",
    ),
    "isp.unknow-error": (
        "支付宝系统繁忙", "稍后重试。", "Alipay system busy", "Retry later.",
    ),
    "aop.unknow-error": (
        "支付宝网关繁忙", "稍后重试。", "Alipay gateway busy", "Retry later.",
    ),
    "aop.invalid-auth-token": (
        "授权令牌无效", "重新授权。", "Invalid auth token", "Authorize again.",
    ),
    "ACQ.TRADE_NOT_EXIST": (
        "交易不存在（买家尚未打开收银台或尚未付款）",
        "订单保持待支付；过期未付可关闭。",
        "Trade does not exist (the buyer has not opened the cashier or paid yet)",
        "Keep the order pending; close it if it expires unpaid.",
    ),
    "ACQ.SYSTEM_ERROR": (
        "支付宝系统错误", "稍后重试查询。", "Alipay system error", "Query again later.",
    ),
    "ACQ.INVALID_PARAMETER": (
        "参数无效", "检查订单号等参数。", "Invalid parameter", "Check the order number.",
    ),
    "ACQ.TRADE_STATUS_ERROR": (
        "交易状态不允许此操作", "刷新订单状态后再操作。",
        "The trade's status does not allow this", "Refresh the order status first.",
    ),
}

_OWN: dict[str, _Entry] = {
    "Timeout": (
        "请求超时", "网络或服务端过慢。发送类请求超时不会自动重试（可能已经发出），请用发送详情查询确认。",
        "Request timed out",
        "The network or service was too slow. Timed-out sends are not retried (they may have "
        "gone out): check QuerySendDetails.",
    ),
    "NetworkError": (
        "网络错误（无法连接、连接被重置或代理错误）", "检查网络、防火墙、代理设置和服务地址。",
        "Network error (cannot connect, connection reset, or proxy failure)",
        "Check the network, firewall, proxy settings and the endpoint address.",
    ),
    "InvalidResponse": (
        "服务端返回了无法解析的响应", "检查服务地址是否正确（是否指向了别的服务或代理页面）。",
        "The service returned an unreadable response",
        "Check the endpoint address (it may point at another service or a proxy page).",
    ),
    "ResponseSignatureInvalid": (
        "支付宝响应验签失败（响应被篡改，或支付宝公钥配置错误）",
        "核对“支付宝公钥”（不是应用公钥）；确认网关地址正确。",
        "Alipay response signature invalid (tampered response, or the wrong Alipay public "
        "key configured)",
        "Check the Alipay public key (not the app public key) and the gateway address.",
    ),
    "InvalidKey": (
        "密钥无法解析或不匹配", "重新粘贴完整的 PEM 密钥（包含 BEGIN/END 行）。",
        "Key cannot be parsed or does not match",
        "Paste the complete PEM key again (with its BEGIN/END lines).",
    ),
    "NotConfigured": (
        "未配置", "在设置中填写此项。", "Not configured", "Fill in this setting.",
    ),
}

# Delivery (carrier) codes as they appear in SmsReport err_code / QuerySendDetails ErrCode.
_CARRIER: dict[str, _Entry] = {
    "DELIVERED": ("用户接收成功", "无需处理。", "Delivered to the handset", "Nothing to do."),
    "DELIVRD": ("用户接收成功", "无需处理。", "Delivered to the handset", "Nothing to do."),
    "UNDELIV": (
        "未送达（用户停机、挂起或状态异常）", "确认号码可用后再发。",
        "Not delivered (subscriber suspended or in an abnormal state)",
        "Confirm the number is in service before sending again.",
    ),
    "EXPIRED": (
        "超时未送达（用户长时间关机或不在服务区）", "稍后再发。",
        "Expired undelivered (phone off or out of coverage for a long time)", "Send later.",
    ),
    "REJECTD": (
        "被运营商拒绝", "检查内容是否合规；持续出现请联系阿里云。",
        "Rejected by the carrier",
        "Check the content is compliant; contact Aliyun if it persists.",
    ),
    "UNKNOWN": (
        "运营商未返回明确状态", "稍后用发送详情查询确认。",
        "Carrier returned no definite status", "Check QuerySendDetails later.",
    ),
    "MBBLACK": (
        "号码在本地黑名单中", "不要再向该号码发送。",
        "Number on the local blacklist", "Stop sending to this number.",
    ),
    "DBBLACK": (
        "号码在网关黑名单中", "不要再向该号码发送。",
        "Number on the gateway blacklist", "Stop sending to this number.",
    ),
    "MK:0000": (
        "被地方运营商屏蔽或空号", "核实号码。",
        "Blocked by a regional carrier, or an empty number", "Verify the number.",
    ),
    "MK:0001": (
        "用户不存在（空号）", "核实号码，从名单中移除空号。",
        "Subscriber does not exist (empty number)",
        "Verify the number and remove empty numbers from the list.",
    ),
    "MK:0005": (
        "用户停机", "号码恢复服务前不要再发。",
        "Subscriber suspended", "Do not send until the number is back in service.",
    ),
    "MK:0010": (
        "用户关机或不在服务区，超过最长保存时间", "稍后再发。",
        "Phone off or out of coverage beyond the retention time", "Send later.",
    ),
    "MK:0013": (
        "用户停机", "号码恢复服务前不要再发。",
        "Subscriber suspended", "Do not send until the number is back in service.",
    ),
    "MK:0023": ("用户关机", "稍后再发。", "Phone switched off", "Send later."),
    "MN:0001": (
        "空号或被地方运营商屏蔽", "核实号码。",
        "Empty number, or blocked by a regional carrier", "Verify the number.",
    ),
    "MI:0013": (
        "用户状态异常（欠费、停机等），运营商拒收", "确认号码状态后再发。",
        "Subscriber state abnormal (arrears, suspended…); the carrier refused it",
        "Confirm the number's state before sending again.",
    ),
    "MI:0024": ("用户手机关机", "稍后再发。", "Phone switched off", "Send later."),
    "IC:0055": (
        "下一级网关无响应（常见为关机、停机或空号）", "核实号码后稍后再发。",
        "No answer from the next carrier gateway (often phone off, suspended or empty "
        "number)",
        "Verify the number and send later.",
    ),
    "IC:0151": (
        "运营商网关队列满", "稍后再发。", "Carrier gateway queue full", "Send later.",
    ),
    "DB:0101": (
        "手机号码错误（空号）", "核实号码。", "Wrong number (empty number)", "Verify the number.",
    ),
    "DB:0102": (
        "用户停机", "号码恢复服务前不要再发。",
        "Subscriber suspended", "Do not send until the number is back in service.",
    ),
    "DB:0141": (
        "号码在运营商黑名单中（用户投诉或退订）", "不要再向该号码发送营销内容。",
        "Number on the carrier's blacklist (complaint or opt-out)",
        "Stop sending marketing messages to this number.",
    ),
    "DB:0142": (
        "超过运营商对该号码的日发送上限", "明天再发。",
        "Over the carrier's daily limit for this number", "Send tomorrow.",
    ),
    "DB:0144": (
        "号码在网关黑名单中", "不要再向该号码发送。",
        "Number on the gateway blacklist", "Stop sending to this number.",
    ),
}

# Family prefixes of carrier codes, for codes not in the table above.
_CARRIER_FAMILIES: dict[str, tuple[str, str]] = {
    "MK": ("短信中心返回的失败", "SMS centre returned a failure"),
    "MN": ("短信中心返回的失败", "SMS centre returned a failure"),
    "MI": ("运营商网关返回的失败", "Carrier gateway returned a failure"),
    "MB": ("短信中心返回的失败", "SMS centre returned a failure"),
    "MA": ("运营商内部连接错误", "Carrier internal connection error"),
    "IB": ("下一级网关返回的失败", "The next carrier gateway returned a failure"),
    "IC": ("下一级网关无响应", "No answer from the next carrier gateway"),
    "ID": ("网关数据不同步", "Carrier gateway data out of sync"),
    "DB": ("运营商业务平台拒绝", "Refused by the carrier's service platform"),
    "DA": ("运营商业务平台连接错误", "Carrier service platform connection error"),
    "CB": ("运营商计费平台拒绝", "Refused by the carrier's billing platform"),
    "CA": ("运营商计费平台连接错误", "Carrier billing platform connection error"),
}

_BY_SERVICE: dict[str, dict[str, _Entry]] = {
    "sms": {**_GATEWAY, **_SMS_BUSINESS},
    "mns": _MNS,
    "alipay": _ALIPAY,
}

# One flat table for explain() without a service; order decides shared codes
# (SignatureDoesNotMatch, InternalError): the Aliyun gateway wording wins.
CODES: dict[str, _Entry] = {
    **_CARRIER, **_OWN, **_ALIPAY, **_MNS, **_GATEWAY, **_SMS_BUSINESS,
}

_GENERIC = (
    "未知的结果码", "记下结果码和请求编号，查阅阿里云/支付宝文档或联系其客服。",
    "Unknown result code",
    "Note the code and request id, then look it up in the Aliyun/Alipay documentation or "
    "ask their support.",
)

_CARRIER_CODE = re.compile(r"^([A-Z]{2}):\d{4}$")


def _entry(code: str, service: str | None = None) -> _Entry | None:
    if service in _BY_SERVICE:
        hit = _BY_SERVICE[service].get(code) or _OWN.get(code)
        if hit:
            return hit
    return CODES.get(code)


def explain(code: str, lang: str = "en", service: str | None = None) -> tuple[str, str]:
    """(meaning, what the admin should do) for a result code, in ``lang`` ("zh" or "en").

    Unknown codes get a generic explanation (a carrier family wording when the code looks
    like ``XX:NNNN``). ``service`` ("sms"/"mns"/"alipay") picks the service's wording for
    codes that several services share.
    """
    code = (code or "").strip()
    zh = lang.lower().startswith("zh")
    hit = _entry(code, service)
    if hit is None and code.startswith("Throttling"):
        hit = _GATEWAY["Throttling"]
    if hit is None and code.startswith("Missing"):  # MissingPhoneNumbers, MissingSignName…
        hit = _GATEWAY["MissingParameter"]
    if hit is None:
        m = _CARRIER_CODE.match(code)
        if m and m.group(1) in _CARRIER_FAMILIES:
            fam_zh, fam_en = _CARRIER_FAMILIES[m.group(1)]
            if zh:
                return f"{fam_zh}（{code}）", "核实号码后再发；同一号码反复失败请停止发送。"
            return (
                f"{fam_en} ({code})",
                "Verify the number before sending again; stop if it keeps failing.",
            )
        hit = _GENERIC
    return (hit[0], hit[1]) if zh else (hit[2], hit[3])


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CloudError(Exception):
    """An error from (or on the way to) Aliyun SMS, MNS or Alipay.

    ``code`` is the service's own code (``isv.MOBILE_NUMBER_ILLEGAL``, ``MessageNotExist``,
    ``ACQ.TRADE_NOT_EXIST`` …) or ours (``Timeout``, ``NetworkError``, ``InvalidResponse``,
    ``ResponseSignatureInvalid``, ``InvalidKey``). ``retryable`` tells the caller whether
    trying the same call again later can succeed. ``str()`` is one English line with no
    secret in it.
    """

    def __init__(
        self,
        service: str,
        code: str,
        raw_message: str = "",
        *,
        http_status: int | None = None,
        request_id: str = "",
        retryable: bool = False,
        action: str = "",
        field: str | None = None,
    ) -> None:
        self.service = service
        self.code = code or "Unknown"
        self.raw_message = _one_line(raw_message or "", 500)
        self.http_status = http_status
        self.request_id = request_id or ""
        self.retryable = retryable
        self.action = action
        self.field = field  # settings field to point at, when the adapter knows it
        super().__init__(self._line())

    def meaning(self, lang: str = "en") -> str:
        return explain(self.code, lang, self.service)[0]

    def advice(self, lang: str = "en") -> str:
        return explain(self.code, lang, self.service)[1]

    def _line(self) -> str:
        where = {"sms": "Aliyun SMS", "mns": "MNS", "alipay": "Alipay"}.get(
            self.service, self.service
        )
        if self.action:
            where += f" {self.action}"
        known = _entry(self.code, self.service) is not None
        text = self.meaning("en")
        if not known and self.raw_message and self.raw_message.isascii():
            text = _one_line(self.raw_message, 160)
        parts = [f"{where} failed: {self.code}: {text}"]
        extra = []
        if self.http_status is not None:
            extra.append(f"HTTP {self.http_status}")
        if self.request_id:
            extra.append(f"request id {self.request_id}")
        if extra:
            parts.append(f"({', '.join(extra)})")
        return " ".join(parts)

    def __str__(self) -> str:
        return self._line()

    def __repr__(self) -> str:
        return (
            f"CloudError(service={self.service!r}, code={self.code!r}, "
            f"http_status={self.http_status!r}, request_id={self.request_id!r}, "
            f"retryable={self.retryable!r})"
        )

    def __reduce__(self):  # keep pickling (e.g. across processes) working
        return (
            _rebuild,
            (self.service, self.code, self.raw_message, self.http_status, self.request_id,
             self.retryable, self.action, self.field),
        )


def _rebuild(service, code, raw, status, rid, retryable, action, field):
    return CloudError(service, code, raw, http_status=status, request_id=rid,
                      retryable=retryable, action=action, field=field)
