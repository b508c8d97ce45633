from django.http import HttpResponse
from django.views.decorators.debug import sensitive_variables


def home(request):
    return HttpResponse(
        '<a href="/orders/17/">Order 17</a> <a href="/catalogue/winter-2019/">Winter catalogue</a>'
    )


@sensitive_variables("card_number")
def order_detail(request, order_id):
    card_number = "4111111111111111"  # hidden by Django's filter in the report
    lines = 0 if order_id == 17 else 2
    total = 42
    return HttpResponse("%.2f per line" % (total / lines))
