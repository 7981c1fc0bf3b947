from crmkit.events.consumer import Handler


def handlers() -> list[Handler]:
    return []
