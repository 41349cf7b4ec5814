"""Adapters to the three cloud services (Aliyun SMS, MNS queues, Alipay) and the sandbox.

Nothing here imports Textual. Services use the adapters through the dataclasses in
``cloud.types``; errors from any of them are ``cloud.errors.CloudError``.
"""
